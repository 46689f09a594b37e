package wire

import (
	"math/rand/v2"
	"testing"

	"github.com/gopacket/gopacket"
)

// TestChecksumMatchesGopacket checks our 64-bit-word Internet checksum
// (RFC 1071) against gopacket's reference for every length 0..600, with
// and without a pseudo-header sum, including all-0xff data (carries).
func TestChecksumMatchesGopacket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 600; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		ones := make([]byte, n)
		for i := range ones {
			ones[i] = 0xff
		}
		// Zeros: the sum is 0 and must stay 0, not become 0xffff.
		for _, data := range [][]byte{b, ones, make([]byte, n)} {
			for _, sum := range []uint32{0, 0x1f00e, 0xffffffff >> 8, 0xffffffff} {
				want := gopacket.FoldChecksum(gopacket.ComputeChecksum(data, sum))
				if got := checksum(data, sum); got != want {
					t.Fatalf("len %d sum %#x: got %#04x, want %#04x", n, sum, got, want)
				}
			}
		}
	}
}
