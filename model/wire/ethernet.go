package wire

// Ethernet II (IEEE 802.3 clause 3.2.6, "DIX" framing) as Linux hands it
// to a veth or bridge: no preamble, no FCS, and no padding to the 60-octet
// minimum (the NIC pads on a real wire; keepalived's frames captured on a
// bridge are 42..54 octets):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination MAC (6 octets)                 |
//	+                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                               |                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//	|                      Source MAC (6 octets)                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           EtherType           |  Payload ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Why the 14 octets are written and read here rather than with
// github.com/mdlayher/ethernet: its Frame.MarshalBinary zero-pads the
// payload to 46 octets (a 60-octet frame), which would not match the
// keepalived vectors byte for byte, and its UnmarshalBinary copies the
// whole frame into a new slice, which breaks the allocation-free decode
// the simulator needs. The tests decode every vector with mdlayher as an
// oracle and check that both agree.

import (
	"encoding/binary"
	"fmt"
)

const ethHeaderLen = 14

// Ethernet returns an Ethernet II frame dst|src|type|payload (no padding,
// as Linux hands frames to a veth/bridge).
func (e *Encoder) Ethernet(dst, src MAC, etherType uint16, payload []byte) []byte {
	n := ethHeaderLen + len(payload)
	if cap(e.buf) < n {
		e.buf = make([]byte, n, n+64)
	}
	e.buf = e.buf[:n]
	// Payload first: copy is a memmove, so this is safe even if payload
	// is a frame this Encoder returned earlier.
	copy(e.buf[ethHeaderLen:], payload)
	putEthernet(e.buf, dst, src, etherType)
	return e.buf
}

// putEthernet writes the 14-octet header into b[:14].
func putEthernet(b []byte, dst, src MAC, etherType uint16) {
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	binary.BigEndian.PutUint16(b[12:14], etherType)
}

// decodeEthernet reads the header into f and returns the payload.
func decodeEthernet(b []byte, f *Frame) ([]byte, error) {
	if len(b) < ethHeaderLen {
		return nil, fmt.Errorf("wire: ethernet: %w: %d bytes, header needs %d", ErrTruncated, len(b), ethHeaderLen)
	}
	f.Dst = MAC(b[0:6])
	f.Src = MAC(b[6:12])
	f.EtherType = binary.BigEndian.Uint16(b[12:14])
	return b[ethHeaderLen:], nil
}
