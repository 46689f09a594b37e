package wire

import (
	"encoding/binary"
	"math/bits"
)

// checksum returns the Internet checksum (RFC 1071) of b with sum (a
// pseudo-header sum) added: the one's complement of the one's complement
// sum of the 16-bit words. A message that carries its correct checksum
// gives 0. It is gopacket.FoldChecksum(gopacket.ComputeChecksum(b, sum)).
//
// Every TCP segment is summed when it is built and again on every hop
// that receives it, so the bulk is summed 32 octets per iteration in
// 64-bit words: RFC 1071 section 2 (B) allows any word size as long as
// the carry out of the top bit is added back in (here: into the next
// add) and the total is folded to 16 bits at the end. The tail goes in
// 32-bit words into a wide accumulator, as before.
func checksum(b []byte, sum uint32) uint16 {
	s, carry := uint64(sum), uint64(0)
	for len(b) >= 32 {
		s, carry = bits.Add64(s, binary.BigEndian.Uint64(b[0:8]), carry)
		s, carry = bits.Add64(s, binary.BigEndian.Uint64(b[8:16]), carry)
		s, carry = bits.Add64(s, binary.BigEndian.Uint64(b[16:24]), carry)
		s, carry = bits.Add64(s, binary.BigEndian.Uint64(b[24:32]), carry)
		b = b[32:]
	}
	// When the last add wrapped (carry 1), s is at most 2^64-2: 2^64-1
	// with a carry needs the add before to have ended the same way, and
	// the sum starts without one. So adding the carry back cannot overflow.
	s += carry
	s = s>>32 + s&0xffffffff // fold to 33 bits so the tail cannot overflow
	for len(b) >= 4 {
		s += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8 // odd length: pad with a zero octet
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}
