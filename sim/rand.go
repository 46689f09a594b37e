package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Stream returns the random stream of the entity named path (for example
// "vrrp/r1/VI_1" or "arp/h1/eth0"). Each stream is seeded from the run seed
// and a hash of its path, so adding an entity never changes the numbers
// another entity draws (the ns-3 lesson in STYLE.md). Asking twice for the
// same path returns the same stream.
func (k *Kernel) Stream(path string) *rand.Rand {
	if r, ok := k.streams[path]; ok {
		return r
	}
	h := fnv.New64a()
	h.Write([]byte(path))
	r := rand.New(rand.NewPCG(k.seed, h.Sum64()))
	k.streams[path] = r
	return r
}
