module plakar-build

go 1.25.0

require github.com/PlakarKorp/plakar v1.1.4

replace go.omarpolo.com/ttlmap => ./ttlmap
