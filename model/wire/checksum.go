package wire

import "encoding/binary"

// checksum returns the Internet checksum (RFC 1071) of b with sum (a
// pseudo-header sum) added: the one's complement of the one's complement
// sum of the 16-bit words. A message that carries its correct checksum
// gives 0. It is gopacket.FoldChecksum(gopacket.ComputeChecksum(b, sum))
// four octets at a time, which matters because every decoded frame is
// checked two or three times (IPv4 header, then VRRP/ICMP/UDP).
func checksum(b []byte, sum uint32) uint16 {
	s := uint64(sum)
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
