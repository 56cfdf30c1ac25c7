// Package ttlmap is a minimal stand-in, written for this project, for the
// one module of plakar's dependency graph that the Go module proxy here does
// not serve. plakar uses it only for its web UI's signed download links.
package ttlmap

import (
	"sync"
	"time"
)

type entry[V any] struct {
	value   V
	expires time.Time
}

// Map is a concurrency-safe map whose entries expire after a fixed duration.
type Map[K comparable, V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[K]entry[V]
}

// New returns an empty map whose entries live for ttl.
func New[K comparable, V any](ttl time.Duration) *Map[K, V] {
	return &Map[K, V]{ttl: ttl, entries: make(map[K]entry[V])}
}

// Add stores value under key.
func (m *Map[K, V]) Add(key K, value V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = entry[V]{value: value, expires: time.Now().Add(m.ttl)}
}

// Get returns the live value stored under key.
func (m *Map[K, V]) Get(key K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || time.Now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// AutoExpire removes expired entries in the background.
func (m *Map[K, V]) AutoExpire() {
	go func() {
		for range time.Tick(m.ttl) {
			now := time.Now()
			m.mu.Lock()
			for k, e := range m.entries {
				if now.After(e.expires) {
					delete(m.entries, k)
				}
			}
			m.mu.Unlock()
		}
	}()
}
