// md5(text): the hex MD5 of the UTF-8 bytes of text (RFC 1321), for the signer.
function md5(text) {
  var bytes = new TextEncoder().encode(text);
  var length = bytes.length;
  var words = new Array((((length + 8) >>> 6) + 1) * 16).fill(0);
  for (var i = 0; i < length; i++) words[i >> 2] |= bytes[i] << ((i % 4) * 8);
  words[length >> 2] |= 0x80 << ((length % 4) * 8);
  words[words.length - 2] = (length * 8) >>> 0;
  words[words.length - 1] = Math.floor(length / 0x20000000);
  var shifts = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  var table = [];
  for (var t = 0; t < 64; t++) table[t] = Math.floor(Math.abs(Math.sin(t + 1)) * 0x100000000) | 0;
  var a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
  for (var block = 0; block < words.length; block += 16) {
    var a = a0, b = b0, c = c0, d = d0;
    for (var j = 0; j < 64; j++) {
      var f, g, round = j >> 4;
      if (round === 0) { f = (b & c) | (~b & d); g = j; }
      else if (round === 1) { f = (d & b) | (~d & c); g = (5 * j + 1) % 16; }
      else if (round === 2) { f = b ^ c ^ d; g = (3 * j + 5) % 16; }
      else { f = c ^ (b | ~d); g = (7 * j) % 16; }
      var sum = (a + f + table[j] + words[block + g]) | 0;
      var shift = shifts[round * 4 + (j % 4)];
      a = d; d = c; c = b;
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
    }
    a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
  }
  return [a0, b0, c0, d0].map(function (word) {
    var hex = "";
    for (var k = 0; k < 4; k++) hex += ((word >>> (k * 8)) & 0xff).toString(16).padStart(2, "0");
    return hex;
  }).join("");
}
