package sched

import (
	"net/netip"
	"testing"
)

// The key and message of the SipHash reference vectors (veorq/SipHash
// vectors.h, repeated in the kernel's lib/siphash_kunit.c): key bytes
// 00..0f, message bytes 00..len-1.
var (
	sipTestK0 uint64 = 0x0706050403020100
	sipTestK1 uint64 = 0x0f0e0d0c0b0a0908
)

func sipTestMsg(n int) []byte {
	m := make([]byte, n)
	for i := range m {
		m[i] = byte(i)
	}
	return m
}

// TestSipHash24ReferenceVectors checks sipHash(2, 4) against SipHash-2-4's
// published vectors (test_vectors_siphash in lib/siphash_kunit.c), at the
// lengths that exercise every tail size and one, two and more full words.
func TestSipHash24ReferenceVectors(t *testing.T) {
	tests := []struct {
		n    int
		want uint64
	}{
		{0, 0x726fdb47dd0e0e31},
		{1, 0x74f839c593dc67fd},
		{2, 0x0d6c8009d9a94f5a},
		{3, 0x85676696d7fb7e2d},
		{4, 0xcf2794e0277187b7},
		{7, 0xab0200f58b01d137},
		{8, 0x93f5f5799a932462},
		{15, 0xa129ca6149be45e5},
		{16, 0x3f2acc7f57c29bdb},
		{63, 0x958a324ceb064572},
	}
	for _, tt := range tests {
		if got := sipHash(2, 4, sipTestK0, sipTestK1, sipTestMsg(tt.n)); got != tt.want {
			t.Errorf("SipHash-2-4 of %d bytes: got %#016x, want %#016x", tt.n, got, tt.want)
		}
	}
}

// TestHsiphash64BitVectors checks that sipHash(1, 3) truncated to 32 bits
// is the kernel's hsiphash on 64-bit (lib/siphash.c: "on 64-bit, we make
// HalfSipHash1-3 actually be SipHash1-3"), against test_vectors_hsiphash
// of lib/siphash_kunit.c for BITS_PER_LONG == 64.
func TestHsiphash64BitVectors(t *testing.T) {
	tests := []struct {
		n    int
		want uint32
	}{
		{0, 0x050fc4dc},
		{1, 0x7d57ca93},
		{3, 0xe7ddf7fb},
		{4, 0x88d38328},
		{5, 0x49533b67},
		{8, 0x8d299a8e},
		{16, 0x7d908b66},
		{63, 0xb7bbb3a8},
	}
	for _, tt := range tests {
		if got := uint32(sipHash(1, 3, sipTestK0, sipTestK1, sipTestMsg(tt.n))); got != tt.want {
			t.Errorf("hsiphash of %d bytes: got %#08x, want %#08x", tt.n, got, tt.want)
		}
	}
	// hsiphash_1u32(0x03020100) is the 4-byte vector: the u32 is hashed
	// as its little-endian bytes 00 01 02 03, which is what
	// ip_vs_mh_hashkey's hsiphash(&v, 4, key) reads on x86-64.
	if got := hsiphash32(0x03020100, hsipKey{sipTestK0, sipTestK1}); got != 0x88d38328 {
		t.Errorf("hsiphash32(0x03020100): got %#08x, want 0x88d38328", got)
	}
}

// TestHash32 checks hash_32 (include/linux/hash.h) against the same
// product computed in 64 bits and reduced by hand: val*GOLDEN_RATIO_32
// mod 2^32, top nbits.
func TestHash32(t *testing.T) {
	tests := []struct {
		val   uint32
		nbits uint
		want  uint32
	}{
		// 0x61C88647 = 1640531527; 1640531527 >> 22 = 391.
		{1, 10, 391},
		{0, 10, 0},
		// 2*0x61C88647 = 0xC3910C8E; >> 22 = 782.
		{2, 10, 782},
	}
	for _, tt := range tests {
		if got := hash32(tt.val, tt.nbits); got != tt.want {
			t.Errorf("hash32(%#x, %d): got %d, want %d", tt.val, tt.nbits, got, tt.want)
		}
	}
	for _, v := range []uint32{0xC0A80001, 0x0A000064, 0xFFFFFFFF, 0x12345678} {
		want := uint32((uint64(v)*0x61C88647)%(1<<32)) >> 22
		if got := hash32(v, 10); got != want {
			t.Errorf("hash32(%#x, 10): got %d, want %d", v, got, want)
		}
	}
}

// TestFoldAddr checks addr_fold of the IPVS hash keys: the IPv4 address
// in host order, the XOR of the IPv6 address's four words.
func TestFoldAddr(t *testing.T) {
	tests := []struct {
		addr string
		want uint32
	}{
		{"192.168.0.1", 0xC0A80001},
		{"10.0.0.100", 0x0A000064},
		// 0x20010db8 ^ 0 ^ 0 ^ 0x00000001
		{"2001:db8::1", 0x20010db9},
		// 0xfe800000 ^ 0 ^ 0x02000000 ^ 0x00000001
		{"fe80::200:0:0:1", 0xfc800001},
	}
	for _, tt := range tests {
		if got := foldAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("foldAddr(%s): got %#08x, want %#08x", tt.addr, got, tt.want)
		}
	}
	if got := foldAddr(netip.Addr{}); got != 0 {
		t.Errorf("foldAddr(zero): got %#x, want 0", got)
	}
}

func BenchmarkHsiphash32(b *testing.B) {
	b.ReportAllocs()
	k := hsipKey{2654435761, 2654435761}
	var sink uint32
	for i := 0; i < b.N; i++ {
		sink += hsiphash32(uint32(i), k)
	}
	_ = sink
}
