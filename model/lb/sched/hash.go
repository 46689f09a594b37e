package sched

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// The hash functions of the hashing schedulers, each as the kernel
// computes it, so that a simulated director sends a client to the same
// real server a Linux director would.

// goldenPrime32 is 2654435761, the multiplier of ip_vs_sh_hashkey and
// ip_vs_dh_hashkey. Those keep the low bits of the product (& MASK), not
// the high bits hash_32 keeps.
const goldenPrime32 = 2654435761

// goldenRatio32 is GOLDEN_RATIO_32 of include/linux/hash.h.
const goldenRatio32 = 0x61C88647

// hash32 is the kernel's hash_32(val, bits) (include/linux/hash.h): the
// top bits of val times GOLDEN_RATIO_32. lblc and lblcr bucket with it.
func hash32(val uint32, nbits uint) uint32 {
	return (val * goldenRatio32) >> (32 - nbits)
}

// foldAddr is the addr_fold of the IPVS hash keys: the IPv4 address in
// host order, or the XOR of the four 32-bit words of an IPv6 address
// (ip_vs_sh_hashkey: addr->ip6[0]^addr->ip6[1]^addr->ip6[2]^addr->ip6[3],
// then ntohl; the XOR commutes with the byte swap).
func foldAddr(a netip.Addr) uint32 {
	if a.Is4() {
		b := a.As4()
		return binary.BigEndian.Uint32(b[:])
	}
	if !a.IsValid() {
		return 0
	}
	b := a.As16()
	return binary.BigEndian.Uint32(b[0:]) ^ binary.BigEndian.Uint32(b[4:]) ^
		binary.BigEndian.Uint32(b[8:]) ^ binary.BigEndian.Uint32(b[12:])
}

// SipHash initial state constants ("somepseudorandomlygeneratedbytes").
const (
	sipConst0 = 0x736f6d6570736575
	sipConst1 = 0x646f72616e646f6d
	sipConst2 = 0x6c7967656e657261
	sipConst3 = 0x7465646279746573
)

// sipHash is SipHash-c-d (Aumasson and Bernstein) of msg under the key
// (k0, k1), as lib/siphash.c computes it: c compression rounds per 8-byte
// word, d finalisation rounds, the length in the top byte of the last
// word, and v0^v1^v2^v3 out.
func sipHash(c, d int, k0, k1 uint64, msg []byte) uint64 {
	v0 := sipConst0 ^ k0
	v1 := sipConst1 ^ k1
	v2 := sipConst2 ^ k0
	v3 := sipConst3 ^ k1
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13)
		v1 ^= v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16)
		v3 ^= v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21)
		v3 ^= v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17)
		v1 ^= v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	compress := func(m uint64) {
		v3 ^= m
		for i := 0; i < c; i++ {
			round()
		}
		v0 ^= m
	}
	n := len(msg)
	for len(msg) >= 8 {
		compress(binary.LittleEndian.Uint64(msg))
		msg = msg[8:]
	}
	last := uint64(n) << 56
	for i, x := range msg {
		last |= uint64(x) << (8 * i)
	}
	compress(last)
	v2 ^= 0xff
	for i := 0; i < d; i++ {
		round()
	}
	return v0 ^ v1 ^ v2 ^ v3
}

// hsipKey is an hsiphash_key_t of a 64-bit kernel: two unsigned longs.
type hsipKey struct{ k0, k1 uint64 }

// hsiphash32 is hsiphash(&v, sizeof(v), key) on a 64-bit little-endian
// kernel, as ip_vs_mh_hashkey calls it: lib/siphash.c makes HalfSipHash
// "actually be SipHash1-3" when BITS_PER_LONG == 64 and returns the low 32
// bits; v is read as 4 bytes in CPU (little-endian) order.
func hsiphash32(v uint32, key hsipKey) uint32 {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return uint32(sipHash(1, 3, key.k0, key.k1, b[:]))
}

// hashPort is the port sh and mh hash with the -port flag
// (ip_vs_sh_get_port, ip_vs_mh_get_port): the source port of TCP, UDP and
// SCTP; 0 for any other protocol.
func hashPort(r *Request) uint16 {
	switch r.Proto {
	case 6, 17, 132: // IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP
		return r.Client.Port()
	}
	return 0
}

// hashUnavailable is is_unavailable of ip_vs_sh.c and ip_vs_mh.c: a
// destination takes no new connection at weight 0 or when overloaded.
func hashUnavailable(d *Dest) bool {
	return d.Weight <= 0 || d.Overloaded
}

// hashFallback is the walk of ip_vs_sh_get_fallback and
// ip_vs_mh_get_fallback once the client's own slot proved unavailable:
// rehash with roffset = (k + ihash) % size for k = 0 .. size-1 and take
// the first available destination; an empty slot ends the walk. at maps
// a roffset to the slot the scheduler's hash gives for it.
func hashFallback(size, ihash uint32, at func(roffset uint32) *Dest) *Dest {
	for off := uint32(0); off < size; off++ {
		d := at((off + ihash) % size)
		if d == nil {
			return nil
		}
		if !hashUnavailable(d) {
			return d
		}
	}
	return nil
}
