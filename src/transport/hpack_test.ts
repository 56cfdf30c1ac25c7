import assert from "node:assert/strict";
import { encodeHeaders, HpackDecoder, HpackError } from "./hpack.ts";
import {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from "./huffman.ts";
import { fromHex, toHex } from "../hex.ts";

type Fields = Array<[string, string]>;

// Hex dumps as printed in RFC 7541, spaces and line breaks allowed.
function hex(dump: string): Uint8Array {
  return fromHex(dump.replace(/\s+/g, ""));
}

// The dynamic table, newest first, read back through indexed fields (which
// leave the table unchanged).
function dynamicTable(decoder: HpackDecoder): Fields {
  const entries: Fields = [];
  for (let index = 62; index < 127; index++) {
    try {
      entries.push(...decoder.decode(new Uint8Array([0x80 | index])));
    } catch (error) {
      assert.ok(error instanceof HpackError);
      break;
    }
  }
  return entries;
}

function octets(text: string): string {
  return toHex(Uint8Array.from(text, (c) => c.charCodeAt(0)));
}

const ALL_OCTETS = String.fromCharCode(
  ...Array.from({ length: 256 }, (_, i) => i),
);

// Octets 0..255 in order, Huffman-coded by golang.org/x/net/http2/hpack
// (v0.54.0) AppendHuffmanString: pins every code of the table.
const ALL_OCTETS_HUFFMAN = [
  "ffc7 fffd 8fff ffe2 ffff fe3f ffff e4ff fffe 5fff ffe6 ffff fe7f ffff e8ff ffea",
  "ffff fff3 ffff fa7f ffff abff ffff dfff ffeb ffff fecf ffff edff fffe efff ffef",
  "ffff ff0f ffff f1ff ffff 2fff ffff bfff ffcf ffff fd3f ffff d7ff fffd bfff ffdf",
  "ffff fe3f ffff e7ff fffe bfff ffed 4fe3 f9ff affc abf1 febf afef e7fd fd2c bb00",
  "0899 69b7 1d79 fb9f 7fff 20ff bff3 ff50 ddbd 7f06 1c58 f265 cd9f 469d 5af6 6ddd",
  "bf87 1e5f 9cff 7ff7 fffc 3ff9 ffe4 5fff 4719 242c b34e 6e9d 68a6 a3d7 dac4 26de",
  "fe3c faf7 fffb fe7f fbff dfff fffc fffe 6fff f4bf ff9f fffa 3fff d3ff ff53 fffd",
  "5fff fb3f ffeb 7fff daff ffb7 ffff 73ff feef fffd efff febf fffb ffff fd9f fffd",
  "bfff ebff ffe0 ffff eeff ffc3 ffff 8bff ff1f fffe 4fff ee7f ffb1 ffff 97ff fd9f",
  "fffc dfff f9ff fffb ffff daff feef fff4 ffff b7ff fee7 fffe 8fff fd3f ffde ffff",
  "d5ff feef fffb dfff fe1f ffdf ffff 7fff ff5f fffe cfff f07f ff87 fffe 0fff f17f",
  "ffed ffff 87ff ff77 fffe ffff eaff ff8b fffe 3fff f93f fff8 7fff cbff ff37 ffff",
  "1fff ff83 ffff e1ff febf ffe3 ffff 3fff ff2f fffa 3fff fd9f ffff 17ff ffc7 ffff",
  "f27f fffd efff ffbf ffff f2ff fff8 ffff fb7f ff97 fff8 ffff fe6f ffff c1ff fff8",
  "7fff fe7f ffff c5ff ffe5 fffe 4fff f2ff fffd 1fff ff4f ffff feff fffe 3fff ffc9",
  "ffff f97f ffb3 ffff cfff fb7f ffcd ffff 4fff f9ff ffd1 ffff cfff feaf fffa ffff",
  "fddf fffe ffff ff4f ffff 5fff ffab ffff a7ff ffd7 ffff f9bf fffe cfff ffb7 ffff",
  "f3ff fffe 8fff ffd3 ffff fabf ffff 5fff ffff 7fff fecf ffff dbff fffb bfff ff7f",
  "ffff f0ff fffb bf",
].join(" ");

// Huffman codings printed in RFC 7541, Appendix C.4 and C.6.
const HUFFMAN_VECTORS: Array<[string, string]> = [
  ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
  ["no-cache", "a8eb 1064 9cbf"],
  ["custom-key", "25a8 49e9 5ba9 7d7f"],
  ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
  ["302", "6402"],
  ["307", "640e ff"],
  ["private", "aec3 771a 4b"],
  ["gzip", "9bd9 ab"],
  [
    "Mon, 21 Oct 2013 20:13:21 GMT",
    "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff",
  ],
  ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
  [
    "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5" +
    "291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
  ],
];

Deno.test("huffmanEncode() and huffmanDecode() match RFC 7541's examples", () => {
  for (const [text, dump] of HUFFMAN_VECTORS) {
    assert.equal(toHex(huffmanEncode(text)), toHex(hex(dump)), text);
    assert.equal(huffmanEncodedLength(text), hex(dump).length, text);
    assert.equal(huffmanDecode(hex(dump)), text);
  }
  assert.deepEqual(huffmanEncode(""), new Uint8Array(0));
  assert.equal(huffmanDecode(new Uint8Array(0)), "");
});

Deno.test("huffmanEncode() matches Go's coding of every octet", () => {
  assert.equal(
    toHex(huffmanEncode(ALL_OCTETS)),
    toHex(hex(ALL_OCTETS_HUFFMAN)),
  );
  assert.equal(huffmanEncodedLength(ALL_OCTETS), 583);
  assert.equal(huffmanDecode(hex(ALL_OCTETS_HUFFMAN)), ALL_OCTETS);
});

Deno.test("huffmanDecode() round-trips every octet", () => {
  for (let i = 0; i < 256; i++) {
    const text = String.fromCharCode(i);
    assert.equal(huffmanDecode(huffmanEncode(text)), text, `octet ${i}`);
    assert.equal(huffmanDecode(huffmanEncode(text.repeat(9))), text.repeat(9));
  }
  const encoded = huffmanEncode(ALL_OCTETS);
  assert.equal(encoded.length, huffmanEncodedLength(ALL_OCTETS));
  assert.equal(huffmanDecode(encoded), ALL_OCTETS);
  const reversed = [...ALL_OCTETS].reverse().join("");
  assert.equal(huffmanDecode(huffmanEncode(reversed)), reversed);
  for (const length of [1000, 4096, 4097, 20_000]) {
    const text = ALL_OCTETS.repeat(80).slice(0, length);
    assert.equal(huffmanDecode(huffmanEncode(text)), text, `${length} octets`);
  }
});

Deno.test("huffmanDecode() refuses bad padding and EOS", () => {
  // "0" is 00000, padded with 111: fine. 11 bits of padding are not.
  assert.equal(huffmanDecode(hex("07")), "0");
  assert.throws(() => huffmanDecode(hex("07 ff")), /invalid padding/);
  assert.throws(() => huffmanDecode(hex("ff")), /invalid padding/);
  // Padding with zeros.
  assert.throws(() => huffmanDecode(hex("00")), /invalid padding/);
  assert.throws(() => huffmanDecode(hex("06")), /invalid padding/);
  // EOS (30 ones), alone or after "0".
  assert.throws(() => huffmanDecode(hex("ffff ffff")), /EOS/);
  assert.throws(() => huffmanDecode(hex("07ff ffff ff")), /EOS/);
});

Deno.test("huffmanEncode() refuses characters above U+00FF", () => {
  assert.throws(() => huffmanEncode("é€"), RangeError);
  assert.throws(() => huffmanEncodedLength("\u0100"), RangeError);
});

Deno.test("HpackDecoder decodes RFC 7541 C.2 single fields", () => {
  // C.2.1: literal with indexing.
  let decoder = new HpackDecoder();
  assert.deepEqual(
    decoder.decode(
      hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
    ),
    [["custom-key", "custom-header"]],
  );
  assert.deepEqual(dynamicTable(decoder), [["custom-key", "custom-header"]]);

  // C.2.2: literal without indexing.
  decoder = new HpackDecoder();
  assert.deepEqual(
    decoder.decode(hex("040c 2f73 616d 706c 652f 7061 7468")),
    [[":path", "/sample/path"]],
  );
  assert.deepEqual(dynamicTable(decoder), []);

  // C.2.3: literal never indexed.
  decoder = new HpackDecoder();
  assert.deepEqual(
    decoder.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74")),
    [["password", "secret"]],
  );
  assert.deepEqual(dynamicTable(decoder), []);

  // C.2.4: indexed.
  decoder = new HpackDecoder();
  assert.deepEqual(decoder.decode(hex("82")), [[":method", "GET"]]);
  assert.deepEqual(dynamicTable(decoder), []);
});

// RFC 7541, Appendix A: "name value" per line, index 1 first.
const APPENDIX_A = `
:authority
:method GET
:method POST
:path /
:path /index.html
:scheme http
:scheme https
:status 200
:status 204
:status 206
:status 304
:status 400
:status 404
:status 500
accept-charset
accept-encoding gzip, deflate
accept-language
accept-ranges
accept
access-control-allow-origin
age
allow
authorization
cache-control
content-disposition
content-encoding
content-language
content-length
content-location
content-range
content-type
cookie
date
etag
expect
expires
from
host
if-match
if-modified-since
if-none-match
if-range
if-unmodified-since
last-modified
link
location
max-forwards
proxy-authenticate
proxy-authorization
range
referer
refresh
retry-after
server
set-cookie
strict-transport-security
transfer-encoding
user-agent
vary
via
www-authenticate`;

Deno.test("HpackDecoder and encodeHeaders() know the static table", () => {
  const table = APPENDIX_A.trim().split("\n").map((line): [string, string] => {
    const space = line.indexOf(" ");
    return space < 0
      ? [line, ""]
      : [line.slice(0, space), line.slice(space + 1)];
  });
  assert.equal(table.length, 61);
  const block = Uint8Array.from(table, (_, i) => 0x80 | (i + 1));
  assert.deepEqual(new HpackDecoder().decode(block), table);
  // Each entry encodes as its index; other values as literals with the
  // first index holding the name (":method" is 2, "www-authenticate" 61).
  table.forEach((field, i) => {
    assert.deepEqual(encodeHeaders([field]), block.subarray(i, i + 1));
  });
  assert.equal(toHex(encodeHeaders([[":authority", "a"]])), "010161");
  assert.equal(toHex(encodeHeaders([[":method", "PUT"]])), "0203505554");
  assert.equal(toHex(encodeHeaders([["www-authenticate", "a"]])), "0f2e0161");
});

const REQUESTS: Fields[] = [
  [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
  ],
  [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
    ["cache-control", "no-cache"],
  ],
  [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"],
  ],
];

const REQUEST_TABLES: Fields[] = [
  [[":authority", "www.example.com"]],
  [["cache-control", "no-cache"], [":authority", "www.example.com"]],
  [
    ["custom-key", "custom-value"],
    ["cache-control", "no-cache"],
    [":authority", "www.example.com"],
  ],
];

function decodeInSequence(
  decoder: HpackDecoder,
  blocks: string[],
  lists: Fields[],
  tables: Fields[],
): void {
  blocks.forEach((block, i) => {
    assert.deepEqual(decoder.decode(hex(block)), lists[i], `block ${i + 1}`);
    assert.deepEqual(dynamicTable(decoder), tables[i], `table ${i + 1}`);
  });
}

Deno.test("HpackDecoder decodes RFC 7541 C.3 requests", () => {
  decodeInSequence(
    new HpackDecoder(),
    [
      "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      "8286 84be 5808 6e6f 2d63 6163 6865",
      "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ],
    REQUESTS,
    REQUEST_TABLES,
  );
});

Deno.test("HpackDecoder decodes RFC 7541 C.4 requests (Huffman)", () => {
  decodeInSequence(
    new HpackDecoder(),
    [
      "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
      "8286 84be 5886 a8eb 1064 9cbf",
      "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ],
    REQUESTS,
    REQUEST_TABLES,
  );
});

const DATE_1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE_2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOCATION = "https://www.example.com";
const COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

const RESPONSES: Fields[] = [
  [
    [":status", "302"],
    ["cache-control", "private"],
    ["date", DATE_1],
    ["location", LOCATION],
  ],
  [
    [":status", "307"],
    ["cache-control", "private"],
    ["date", DATE_1],
    ["location", LOCATION],
  ],
  [
    [":status", "200"],
    ["cache-control", "private"],
    ["date", DATE_2],
    ["location", LOCATION],
    ["content-encoding", "gzip"],
    ["set-cookie", COOKIE],
  ],
];

// Evictions happen in the second and third responses (256-octet table).
const RESPONSE_TABLES: Fields[] = [
  [
    ["location", LOCATION],
    ["date", DATE_1],
    ["cache-control", "private"],
    [":status", "302"],
  ],
  [
    [":status", "307"],
    ["location", LOCATION],
    ["date", DATE_1],
    ["cache-control", "private"],
  ],
  [
    ["set-cookie", COOKIE],
    ["content-encoding", "gzip"],
    ["date", DATE_2],
  ],
];

Deno.test("HpackDecoder decodes RFC 7541 C.5 responses, evicting", () => {
  decodeInSequence(
    new HpackDecoder(256),
    [
      `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420
     3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77
     7777 2e65 7861 6d70 6c65 2e63 6f6d`,
      "4803 3330 37c1 c0bf",
      `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32
     3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a
     584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33
     3630 303b 2076 6572 7369 6f6e 3d31`,
    ],
    RESPONSES,
    RESPONSE_TABLES,
  );
});

Deno.test("HpackDecoder decodes RFC 7541 C.6 responses (Huffman)", () => {
  decodeInSequence(
    new HpackDecoder(256),
    [
      `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81
     66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
      "4883 640e ffc1 c0bf",
      `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a
     839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36
     72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
    ],
    RESPONSES,
    RESPONSE_TABLES,
  );
});

const GRPC_REQUEST: Fields = [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", "/importer.Importer/Import"],
  [":authority", "localhost"],
  ["content-type", "application/grpc"],
  ["user-agent", "grpc-go/1.81.1"],
  ["te", "trailers"],
  ["grpc-timeout", "20S"],
];

Deno.test("HpackDecoder decodes a grpc-go request twice (Go's hpack encoder)", () => {
  // Written by one golang.org/x/net/http2/hpack Encoder (v0.54.0) in a row:
  // the second block is all indices, mostly into the dynamic table.
  const decoder = new HpackDecoder();
  assert.deepEqual(
    decoder.decode(hex(
      `8386 4592 60d4 d67b 125b 17c9 4d67 b125 b18c 94d6 7b13 4186 a0e4 1d13
       9d09 5f8b 1d75 d062 0d26 3d4c 4d65 647a 8a9a cac8 b4c7 602b bc15 c340
       0274 6586 4d83 3505 b11f 4089 9aca c8b2 4d49 4f6a 7f03 3230 53`,
    )),
    GRPC_REQUEST,
  );
  assert.deepEqual(decoder.decode(hex("8386 c3c2 c1c0 bfbe")), GRPC_REQUEST);
  assert.equal(dynamicTable(decoder).length, 6);
});

Deno.test("HpackDecoder decodes grpc responses and trailers (Go's hpack encoder)", () => {
  // One Go Encoder again. The last block starts with a table size update to
  // 0 and holds a never-indexed authorization and raw UTF-8 octets.
  const decoder = new HpackDecoder();
  const blocks = [
    "885f 8b1d 75d0 620d 263d 4c4d 6564",
    `4088 9aca c8b2 1234 da8f 0231 3340 899a cac8 b525 4207 317f 998c 7228
     6aab b537 1408 00a8 9b51 5bcc ab0b e49c f6ab 7995 617f`,
    "88c0",
    "7f00 0130",
    "2088 1f08 89ba 51d8 5b14 4149 6153 0084 f2b5 83f1 05c3 a974 c3a9",
  ];
  const lists: Fields[] = [
    [[":status", "200"], ["content-type", "application/grpc"]],
    [
      ["grpc-status", "13"],
      ["grpc-message", "bad input: 100%25 %C3%A9chou%C3%A9"],
    ],
    [[":status", "200"], ["content-type", "application/grpc"]],
    [["grpc-status", "0"]],
    [
      [":status", "200"],
      ["authorization", "Bearer secret"],
      ["x-raw", "\xc3\xa9t\xc3\xa9"],
    ],
  ];
  blocks.forEach((block, i) => {
    assert.deepEqual(decoder.decode(hex(block)), lists[i], `block ${i + 1}`);
  });
  assert.deepEqual(dynamicTable(decoder), []);
});

Deno.test("HpackDecoder applies table size updates at the start of a block", () => {
  const decoder = new HpackDecoder(4096);
  decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0161")); // custom-key: a
  assert.deepEqual(dynamicTable(decoder), [["custom-key", "a"]]);
  // Two updates (to 0, then to 4096) before a field: the entry is evicted.
  assert.deepEqual(decoder.decode(hex("20 3fe1 1f 82")), [[":method", "GET"]]);
  assert.deepEqual(dynamicTable(decoder), []);
  // Shrinking to 43 keeps one 43-octet entry ("custom-key" "a" is 43).
  decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0161"));
  assert.deepEqual(decoder.decode(hex("3f0c")), []);
  assert.deepEqual(dynamicTable(decoder), [["custom-key", "a"]]);
  assert.deepEqual(decoder.decode(hex("3f0b")), []);
  assert.deepEqual(dynamicTable(decoder), []);
});

Deno.test("HpackDecoder refuses misplaced or oversized table size updates", () => {
  assert.throws(
    () => new HpackDecoder(4096).decode(hex("3fe2 1f")),
    (error) =>
      error instanceof HpackError && error.name === "HpackError" &&
      /size 4097 above 4096/.test(error.message),
  );
  assert.throws(
    () => new HpackDecoder(256).decode(hex("3fe2 01")),
    /size 257 above 256/,
  );
  assert.throws(() => new HpackDecoder().decode(hex("82 20")), /after a field/);
  assert.throws(
    () => new HpackDecoder().decode(hex("20 82 3fe1 1f")),
    /after a field/,
  );
});

Deno.test("HpackDecoder evicts everything for an entry larger than the table", () => {
  const decoder = new HpackDecoder(64);
  decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0161")); // 43 octets
  assert.deepEqual(dynamicTable(decoder), [["custom-key", "a"]]);
  const big = encodeLiteral(0x40, "custom-key", "b".repeat(30)); // 72 octets
  assert.deepEqual(decoder.decode(big), [["custom-key", "b".repeat(30)]]);
  assert.deepEqual(dynamicTable(decoder), []);
});

// A literal with a new name and raw strings shorter than 127 octets.
function encodeLiteral(first: number, name: string, value: string): Uint8Array {
  return hex(
    first.toString(16).padStart(2, "0") +
      name.length.toString(16).padStart(2, "0") + octets(name) +
      value.length.toString(16).padStart(2, "0") + octets(value),
  );
}

Deno.test("HpackDecoder keeps a long-lived table consistent", () => {
  // 500 insertions into a small table, each read back by index 62 and 63.
  const decoder = new HpackDecoder(200);
  let previous: [string, string] | undefined;
  for (let i = 0; i < 500; i++) {
    const field: [string, string] = [`k${i}`, `v${i}`];
    decoder.decode(encodeLiteral(0x40, ...field));
    const table = dynamicTable(decoder);
    assert.deepEqual(table[0], field);
    if (previous) assert.deepEqual(table[1], previous);
    const size = table.reduce(
      (sum, [n, v]) => sum + n.length + v.length + 32,
      0,
    );
    assert.ok(size <= 200, `table size ${size}`);
    if (i >= 5) assert.ok(size > 200 - 40, `table size ${size}`);
    previous = field;
  }
});

Deno.test("HpackDecoder refuses index 0 and indices out of range", () => {
  const decoder = new HpackDecoder();
  assert.throws(() => decoder.decode(hex("80")), /Index 0/);
  assert.throws(() => decoder.decode(hex("be")), /Index 62 out of range/);
  assert.throws(() => decoder.decode(hex("ff 80 01")), /Index 255 out/);
  assert.throws(() => decoder.decode(hex("7e 0161")), /Index 62 out/); // name
  assert.throws(() => decoder.decode(hex("0f 30 0161")), /Index 63 out/);
  decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0161"));
  assert.deepEqual(decoder.decode(hex("be")), [["custom-key", "a"]]);
  assert.deepEqual(decoder.decode(hex("7e 0162")), [["custom-key", "b"]]);
  assert.throws(() => decoder.decode(hex("c0")), /Index 64 out of range/);
});

Deno.test("HpackDecoder refuses truncated blocks", () => {
  for (
    const [block, what] of [
      ["ff", "integer"], // announcing a continuation
      ["ff 80", "integer"], // a continuation announcing another
      ["0f", "integer"], // name index continuation missing
      ["3f", "integer"], // size update continuation missing
      ["40", "integer"], // no name
      ["41", "integer"], // no value
      ["40 0a 6375", "string"], // name cut short
      ["40 03 6375", "string"], // by one octet
      ["41 85 f1e3", "string"], // Huffman value cut short
      ["41 82 f1", "string"], // by one octet
      ["41 7f", "integer"], // value length continuation missing
    ]
  ) {
    assert.throws(
      () => new HpackDecoder().decode(hex(block!)),
      (error) =>
        error instanceof HpackError &&
        error.message === `Truncated ${what}`,
      block,
    );
  }
});

Deno.test("HpackDecoder refuses integers above 2^31 or too long", () => {
  // 127 + 2^32 - 1: too large.
  assert.throws(
    () => new HpackDecoder().decode(hex("ff ffff ffff 0f")),
    /Integer too large/,
  );
  // 127 + 0 in six continuation octets: too long even though small.
  assert.throws(
    () => new HpackDecoder().decode(hex("ff 8080 8080 8000")),
    /Integer too long/,
  );
  // The same value in five octets is only out of range.
  assert.throws(
    () => new HpackDecoder().decode(hex("ff 8080 8080 00")),
    /Index 127 out of range/,
  );
  // A string length of 2^31 - 1 passes the integer check, not the length one.
  assert.throws(
    () => new HpackDecoder().decode(hex("41 7f 80ff ffff 07")),
    /Truncated string/,
  );
});

Deno.test("HpackDecoder refuses bad Huffman strings", () => {
  for (const value of ["81 ff", "81 00", "84 ffff ffff"]) {
    assert.throws(
      () => new HpackDecoder().decode(hex("41" + value)),
      (error) =>
        error instanceof HpackError && error.cause instanceof RangeError,
      value,
    );
  }
});

Deno.test("HpackDecoder limits the header list size, staying in sync", () => {
  // ":status: 200" counts 7 + 3 + 32 = 42 octets.
  const decoder = new HpackDecoder(4096, 84);
  assert.deepEqual(decoder.decode(hex("8888")), [
    [":status", "200"],
    [":status", "200"],
  ]);
  // 42 + 43 ("custom-key: a"): one octet too many.
  assert.throws(
    () => decoder.decode(hex("88 400a 6375 7374 6f6d 2d6b 6579 0161")),
    /Header list larger than 84 octets/,
  );
  // Fields after the limit still reach the dynamic table.
  assert.throws(
    () => decoder.decode(hex("888888 400a 6375 7374 6f6d 2d6b 6579 0162")),
    (error) =>
      error instanceof HpackError && /larger than 84/.test(error.message),
  );
  assert.deepEqual(dynamicTable(decoder), [
    ["custom-key", "b"],
    ["custom-key", "a"],
  ]);
  assert.deepEqual(decoder.decode(hex("be")), [["custom-key", "b"]]);
});

Deno.test("encodeHeaders() uses static indices and literals without indexing", () => {
  assert.equal(toHex(encodeHeaders([[":status", "200"]])), "88");
  assert.equal(toHex(encodeHeaders([[":method", "POST"]])), "83");
  // Static name, raw value (Huffman would not be shorter).
  assert.equal(toHex(encodeHeaders([[":status", "418"]])), "0803343138");
  // Static name, Huffman value; a name index past the 4-bit prefix.
  assert.equal(
    toHex(encodeHeaders([["content-type", "application/grpc"]])),
    "0f108b1d75d0620d263d4c4d6564",
  );
  // New name, Huffman name, raw value.
  assert.equal(
    toHex(encodeHeaders([["grpc-status", "0"]])),
    "00889acac8b21234da8f0130",
  );
  // Empty name and value.
  assert.equal(toHex(encodeHeaders([["", ""]])), "000000");
  assert.deepEqual(encodeHeaders([]), new Uint8Array(0));
});

Deno.test("encodeHeaders() round-trips through HpackDecoder", () => {
  const lists: Fields[] = [
    [
      [":status", "200"],
      ["content-type", "application/grpc"],
      ["grpc-accept-encoding", "identity,deflate,gzip"],
    ],
    [
      ["grpc-status", "3"],
      [
        "grpc-message",
        "bad location %22s3%3A%2F%2Fx%22: 100%25 %C3%A9chou%C3%A9",
      ],
    ],
    GRPC_REQUEST,
    REQUESTS[2]!,
    RESPONSES[2]!,
    [["x-long", "v".repeat(100_000)], ["n".repeat(300), "short"]],
    [["x-binary-bin", ALL_OCTETS], [ALL_OCTETS, ""]],
    [["", ""], [":path", ""], ["accept-encoding", "gzip, deflate"]],
    // Integers at and around their prefix's maximum: name index 15 (4-bit
    // prefix), string lengths 126, 127 and 128 (7-bit prefix).
    [["accept-charset", "utf-8"], ["accept-language", "fr"]],
    [["x-126", "\xfe".repeat(126)], ["x-127", "\xfe".repeat(127)]],
    [["x-128", "\xfe".repeat(128)], ["\xfe".repeat(127), "o".repeat(127)]],
    [["x-mid", "m".repeat(3000)], ["x-mid-raw", "\xfe".repeat(3000)]],
  ];
  // A decoder that allows no dynamic table: the encoder never indexes.
  const decoder = new HpackDecoder(0, 1 << 20);
  for (const list of lists) {
    const block = encodeHeaders(list);
    assert.deepEqual(decoder.decode(block), list);
    assert.deepEqual(decoder.decode(block), list);
  }
});

Deno.test("encodeHeaders() picks the shorter of Huffman and raw strings", () => {
  const value = "x".repeat(200); // 'x' has a 7-bit code: 175 octets
  const block = encodeHeaders([["x-a", value]]);
  // 00, raw name "x-a" (as long as its Huffman coding), then 0xff 0x30:
  // a Huffman value of 127 + 48 octets.
  assert.equal(block.length, 1 + 1 + 3 + 2 + 175);
  assert.equal(toHex(block.subarray(5, 7)), "ff30");
  const binary = "\xff".repeat(10); // 26-bit code: raw is shorter
  assert.equal(
    toHex(encodeHeaders([["x-b", binary]])).slice(-22),
    "0a" + "ff".repeat(10),
  );
});

Deno.test("encodeHeaders() refuses characters above U+00FF", () => {
  assert.throws(() => encodeHeaders([["x", "€"]]), RangeError);
});
