package upstream

import (
	"cmp"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
)

// byWeight walks the list as the hashing methods do: w (a hash modulo
// the total weight) falls in the weight units of one peer, weights as
// written, down and failed peers included.
func byWeight(t *tier, w int) int {
	i := 0
	for w >= t.peers[i].Weight {
		w -= t.peers[i].Weight
		i++
	}
	return i
}

// getIPHash follows ngx_http_upstream_get_ip_hash_peer: hash = 89, then
// for each octet hash = (hash*113 + octet) % 6271, over three octets of
// IPv4; the peer at hash % total_weight unless tried or unavailable, in
// which case the hash goes on over the same octets. After 20 such
// misses, or with fewer than two servers, round robin.
func (u *Upstream) getIPHash(r *Request, sec int64) (*Peer, error) {
	t := &u.primary
	if r.hashTries > triesBeforeRR || len(t.peers) < 2 {
		return u.getRoundRobin(r, sec)
	}
	hash := r.hash
	for {
		for _, b := range r.client[:r.clientLen] {
			hash = (hash*113 + uint32(b)) % 6271
		}
		i := byWeight(t, int(hash%uint32(t.totalWeight)))
		if !r.isTried(i) && !t.peers[i].unavailable(sec) {
			r.hash = hash
			return u.take(r, i, sec), nil
		}
		r.hashTries++
		if r.hashTries > triesBeforeRR {
			return u.getRoundRobin(r, sec)
		}
	}
}

// getHash follows ngx_http_upstream_get_hash_peer (Cache::Memcached's
// expression): hash += (crc32([REHASH] KEY) >> 16) & 0x7fff, REHASH being
// the decimal count of earlier probes, omitted at the first; the peer at
// hash % total_weight. Only a miss re-hashes; the sum carries over to the
// request's next try. After 20 misses, an empty key or fewer than two
// servers, round robin.
func (u *Upstream) getHash(r *Request, sec int64) (*Peer, error) {
	t := &u.primary
	if r.hashTries > triesBeforeRR || len(t.peers) < 2 || len(r.key) == 0 {
		return u.getRoundRobin(r, sec)
	}
	for {
		var c uint32
		if r.rehash > 0 {
			c = crc32.Update(0, crc32.IEEETable, strconv.AppendInt(r.num[:0], int64(r.rehash), 10))
		}
		c = crc32.Update(c, crc32.IEEETable, r.key)
		r.hash += (c >> 16) & 0x7fff
		r.rehash++
		i := byWeight(t, int(r.hash%uint32(t.totalWeight)))
		if !r.isTried(i) && !t.peers[i].unavailable(sec) {
			return u.take(r, i, sec), nil
		}
		r.hashTries++
		if r.hashTries > triesBeforeRR {
			return u.getRoundRobin(r, sec)
		}
	}
}

// chashPoints builds the ring of ngx_http_upstream_update_chash: 160
// points per weight unit of each server, the first
// crc32(HOST "\0" PORT prev) with prev four zero octets, each next one
// with prev the previous point (little-endian), as
// Cache::Memcached::Fast does. HOST and PORT split the server string as
// written at its last ':' when only digits follow ("unix:" paths have
// no port). Sorted by hash; of equal hashes the first server written
// keeps the point (nginx's qsort leaves that order unspecified).
func chashPoints(peers []Peer) []point {
	total := 0
	for _, p := range peers {
		total += p.Weight
	}
	pts := make([]point, 0, total*160)
	for _, p := range peers {
		host, port := splitHostPort(p.Server)
		base := crc32.Update(0, crc32.IEEETable, []byte(host))
		base = crc32.Update(base, crc32.IEEETable, []byte{0})
		base = crc32.Update(base, crc32.IEEETable, []byte(port))
		var prev [4]byte
		for range p.Weight * 160 {
			h := crc32.Update(base, crc32.IEEETable, prev[:])
			pts = append(pts, point{hash: h, id: p.id})
			binary.LittleEndian.PutUint32(prev[:], h)
		}
	}
	slices.SortStableFunc(pts, func(a, b point) int { return cmp.Compare(a.hash, b.hash) })
	return slices.CompactFunc(pts, func(a, b point) bool { return a.hash == b.hash })
}

// splitHostPort splits a server string as ngx_http_upstream_update_chash
// does: a trailing ":DIGITS" is the port.
func splitHostPort(s string) (host, port string) {
	if len(s) >= 5 && strings.EqualFold(s[:5], "unix:") {
		return s[5:], ""
	}
	for j := len(s) - 1; j >= 0; j-- {
		c := s[j]
		if c == ':' {
			return s[:j], s[j+1:]
		}
		if c < '0' || c > '9' {
			break
		}
	}
	return s, ""
}

// findPoint is ngx_http_upstream_find_chash_point: the index of the
// first point with a hash >= h (len(pts) past the last).
func findPoint(pts []point, h uint32) int {
	i, j := 0, len(pts)
	for i < j {
		k := (i + j) / 2
		switch {
		case h > pts[k].hash:
			i = k + 1
		case h < pts[k].hash:
			j = k
		default:
			return k
		}
	}
	return i
}

// getConsistent follows ngx_http_upstream_get_chash_peer: the server of
// the point the request's key fell on (wrapping round the ring); among
// the peers written with that server string, not tried and available,
// smooth round robin; if there is none, the next point. After 20 points,
// an empty key or a single server, round robin.
func (u *Upstream) getConsistent(r *Request, sec int64) (*Peer, error) {
	t := &u.primary
	if r.hashTries > triesBeforeRR || t.single || len(r.key) == 0 {
		return u.getRoundRobin(r, sec)
	}
	for {
		id := u.points[r.hash%uint32(len(u.points))].id
		if i := u.smooth(r, t, sec, id); i >= 0 {
			return u.take(r, i, sec), nil
		}
		r.hash++
		r.hashTries++
		if r.hashTries > triesBeforeRR {
			return u.getRoundRobin(r, sec)
		}
	}
}
