package wire

// IPVS connection synchronisation message, version 1 (linux
// net/netfilter/ipvs/ip_vs_sync.c, struct ip_vs_sync_mesg and struct
// ip_vs_sync_v4), sent by the master sync daemon to UDP 224.0.0.81:8848:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      0        |    SyncID     |            Size               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Count Conns  |    Version    |    Reserved, set to Zero      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                  IPVS Sync Connection (1..n)                  |
//
// and each IPv4 connection (type 0):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Type       |    Protocol   | Ver.  |        Size           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                             Flags                             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            State              |         cport                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            vport              |         dport                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                             fwmark                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         timeout (in sec.)                     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|               caddr, vaddr, daddr (IPv4: 3 x 32 bits)         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     optional parameters (type, length, data), 32-bit padded   |
//
// Only IPv4 connections are encoded; IPv6 entries (type 1) are stepped
// over on decode and counted, options (sequence data, persistence engine
// data) are checked and skipped as the kernel's ip_vs_proc_sync_conn
// walks them, and never encoded.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Sync daemon defaults (ip_vs_sync.c IP_VS_SYNC_GROUP, IP_VS_SYNC_PORT,
// SYNC_PROTO_VER).
var IPVSSyncGroup = netip.AddrFrom4([4]byte{224, 0, 0, 81})

const (
	IPVSSyncPort    uint16 = 8848
	IPVSSyncVersion uint8  = 1
	// IPVSSyncHeaderLen is sizeof(struct ip_vs_sync_mesg).
	IPVSSyncHeaderLen = 8
	// IPVSSyncConnLen is sizeof(struct ip_vs_sync_v4).
	IPVSSyncConnLen = 36
)

// Connection flags (include/uapi/linux/ip_vs.h IP_VS_CONN_F_*).
const (
	IPVSConnMasq     uint32 = 0x0000
	IPVSConnTunnel   uint32 = 0x0002
	IPVSConnDRoute   uint32 = 0x0003
	IPVSConnFwdMask  uint32 = 0x0007
	IPVSConnSync     uint32 = 0x0020
	IPVSConnHashed   uint32 = 0x0040
	IPVSConnNoOutput uint32 = 0x0080
	IPVSConnInactive uint32 = 0x0100
	IPVSConnSeqMask  uint32 = 0x0600
	IPVSConnNoCPort  uint32 = 0x0800
	IPVSConnTemplate uint32 = 0x1000
	IPVSConnOnePkt   uint32 = 0x2000
	// IPVSConnBackupMask is what a backup keeps of a received entry's
	// flags (IP_VS_CONN_F_BACKUP_MASK).
	IPVSConnBackupMask = IPVSConnFwdMask | IPVSConnNoOutput | IPVSConnInactive | IPVSConnSeqMask | IPVSConnNoCPort | IPVSConnTemplate
)

// IPVSSyncConn is one connection entry of a sync message (struct
// ip_vs_sync_v4).
type IPVSSyncConn struct {
	Protocol uint8
	Flags    uint32
	State    uint16
	Client   netip.AddrPort // caddr:cport
	Virtual  netip.AddrPort // vaddr:vport
	Dest     netip.AddrPort // daddr:dport
	FWMark   uint32
	Timeout  uint32 // seconds (cp->timeout / HZ)
}

// IPVSSync is a version-1 sync message (struct ip_vs_sync_mesg).
type IPVSSync struct {
	SyncID uint8
	Conns  []IPVSSyncConn
	// IPv6 counts the IPv6 entries the decoder stepped over (not
	// modelled; never encoded).
	IPv6 int
}

// ipvsSyncConnLen6 is sizeof(struct ip_vs_sync_v6).
const ipvsSyncConnLen6 = 72

// IPVSSyncLen is the encoded length of a message with n connections.
func IPVSSyncLen(n int) int { return IPVSSyncHeaderLen + n*IPVSSyncConnLen }

// AppendIPVSSync appends m's encoding to b, as ip_vs_sync_conn fills a
// sync buffer: header, then each connection (36 octets, already 32-bit
// aligned, so no padding). At most 255 connections fit the count octet.
func AppendIPVSSync(b []byte, m *IPVSSync) ([]byte, error) {
	if len(m.Conns) > 255 {
		return b, fmt.Errorf("wire: ipvs sync encode: %w: %d connections, at most 255", ErrBadLength, len(m.Conns))
	}
	size := IPVSSyncLen(len(m.Conns))
	if size > 0xffff {
		return b, fmt.Errorf("wire: ipvs sync encode: %w: %d octets", ErrBadLength, size)
	}
	b = append(b, 0, m.SyncID, byte(size>>8), byte(size), byte(len(m.Conns)), IPVSSyncVersion, 0, 0)
	for i := range m.Conns {
		c := &m.Conns[i]
		for _, a := range [...]netip.Addr{c.Client.Addr(), c.Virtual.Addr(), c.Dest.Addr()} {
			if !a.Is4() {
				return b, fmt.Errorf("wire: ipvs sync encode: %w: address %v is not IPv4", ErrUnsupported, a)
			}
		}
		var s [IPVSSyncConnLen]byte
		s[0] = 0 // type: IPv4
		s[1] = c.Protocol
		binary.BigEndian.PutUint16(s[2:4], IPVSSyncConnLen) // version 0, size
		binary.BigEndian.PutUint32(s[4:8], c.Flags&^IPVSConnHashed)
		binary.BigEndian.PutUint16(s[8:10], c.State)
		binary.BigEndian.PutUint16(s[10:12], c.Client.Port())
		binary.BigEndian.PutUint16(s[12:14], c.Virtual.Port())
		binary.BigEndian.PutUint16(s[14:16], c.Dest.Port())
		binary.BigEndian.PutUint32(s[16:20], c.FWMark)
		binary.BigEndian.PutUint32(s[20:24], c.Timeout)
		ca, va, da := c.Client.Addr().As4(), c.Virtual.Addr().As4(), c.Dest.Addr().As4()
		copy(s[24:28], ca[:])
		copy(s[28:32], va[:])
		copy(s[32:36], da[:])
		b = append(b, s[:]...)
	}
	return b, nil
}

// ParseIPVSSync decodes a version-1 sync message into m (its Conns slice
// is reused), with the checks of ip_vs_process_message and
// ip_vs_proc_sync_conn: the size field equals the datagram's length,
// reserved and spare octets are zero, each connection's size fits, its
// version bits are 0, its type is IPv4 (or IPv6, stepped over) and its
// options are well formed. A version-0 message (the kernel's fallback)
// is refused with ErrBadVersion. On an error in an entry, m.Conns holds
// the entries before it: the kernel has applied those when it drops the
// rest of the message.
func ParseIPVSSync(b []byte, m *IPVSSync) error {
	m.Conns, m.IPv6 = m.Conns[:0], 0
	if len(b) < 4 {
		return fmt.Errorf("wire: ipvs sync: %w: %d octets, header needs 4", ErrTruncated, len(b))
	}
	if size := int(binary.BigEndian.Uint16(b[2:4])); size != len(b) {
		return fmt.Errorf("wire: ipvs sync: %w: size field %d, datagram %d octets", ErrBadLength, size, len(b))
	}
	if len(b) < IPVSSyncHeaderLen || b[5] != IPVSSyncVersion || b[0] != 0 || b[6] != 0 || b[7] != 0 {
		return fmt.Errorf("wire: ipvs sync: %w: not a version-1 message", ErrBadVersion)
	}
	m.SyncID = b[1]
	n := int(b[4])
	end := IPVSSyncHeaderLen
	for i := range n {
		p := end
		if p+IPVSSyncConnLen > len(b) {
			return fmt.Errorf("wire: ipvs sync: conn %d: %w", i, ErrTruncated)
		}
		vs := binary.BigEndian.Uint16(b[p+2 : p+4])
		size := int(vs & 0x0fff)
		if p+size > len(b) {
			return fmt.Errorf("wire: ipvs sync: conn %d: %w: size %d past the message", i, ErrBadLength, size)
		}
		if vs>>12 != 0 {
			return fmt.Errorf("wire: ipvs sync: conn %d: %w: version %d", i, ErrBadVersion, vs>>12)
		}
		fixed := IPVSSyncConnLen
		switch b[p] {
		case 0:
		case 1: // STYPE_F_INET6
			fixed = ipvsSyncConnLen6
		default:
			return fmt.Errorf("wire: ipvs sync: conn %d: %w: type %d", i, ErrBadType, b[p])
		}
		if size < fixed {
			return fmt.Errorf("wire: ipvs sync: conn %d: %w: size %d below %d", i, ErrBadLength, size, fixed)
		}
		if err := checkSyncOptions(b[p+fixed : p+size]); err != nil {
			return fmt.Errorf("wire: ipvs sync: conn %d: %w", i, err)
		}
		end = p + (size+3)&^3 // 32-bit alignment
		if fixed == ipvsSyncConnLen6 {
			m.IPv6++
			continue
		}
		s := b[p:]
		m.Conns = append(m.Conns, IPVSSyncConn{
			Protocol: s[1],
			Flags:    binary.BigEndian.Uint32(s[4:8]),
			State:    binary.BigEndian.Uint16(s[8:10]),
			Client:   netip.AddrPortFrom(netip.AddrFrom4([4]byte(s[24:28])), binary.BigEndian.Uint16(s[10:12])),
			Virtual:  netip.AddrPortFrom(netip.AddrFrom4([4]byte(s[28:32])), binary.BigEndian.Uint16(s[12:14])),
			Dest:     netip.AddrPortFrom(netip.AddrFrom4([4]byte(s[32:36])), binary.BigEndian.Uint16(s[14:16])),
			FWMark:   binary.BigEndian.Uint32(s[16:20]),
			Timeout:  binary.BigEndian.Uint32(s[20:24]),
		})
	}
	return nil
}

// checkSyncOptions walks a connection's optional parameters as
// ip_vs_proc_sync_conn does: type and length octets, a non-zero length
// that fits.
func checkSyncOptions(o []byte) error {
	for len(o) > 0 {
		if len(o) < 2 {
			return fmt.Errorf("%w: option header", ErrTruncated)
		}
		l := int(o[1])
		if l == 0 || 2+l > len(o) {
			return fmt.Errorf("%w: option %d length %d", ErrBadLength, o[0], l)
		}
		o = o[2+l:]
	}
	return nil
}
