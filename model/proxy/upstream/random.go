package upstream

// peek is ngx_http_upstream_peek_random_peer: x = random() % total
// weight, and the peer whose range of weight units holds x (binary
// search over the ranges' starts, down peers included).
func (u *Upstream) peek() int {
	x := int(u.rnd.Uint32()>>1) % u.primary.totalWeight
	i, j := 0, len(u.ranges)
	for j-i > 1 {
		k := (i + j) / 2
		if x < u.ranges[k] {
			j = k
		} else {
			i = k
		}
	}
	return i
}

// getRandom follows ngx_http_upstream_get_random_peer: random peers,
// weighted, until one is neither tried nor unavailable; after 20 misses
// or with fewer than two servers, round robin.
func (u *Upstream) getRandom(r *Request, sec int64) (*Peer, error) {
	t := &u.primary
	if r.hashTries > triesBeforeRR || len(t.peers) < 2 {
		return u.getRoundRobin(r, sec)
	}
	for {
		i := u.peek()
		if !r.isTried(i) && !t.peers[i].unavailable(sec) {
			return u.take(r, i, sec), nil
		}
		r.hashTries++
		if r.hashTries > triesBeforeRR {
			return u.getRoundRobin(r, sec)
		}
	}
}

// getRandomTwo follows ngx_http_upstream_get_random2_peer (random two
// least_conn): two different usable random peers, and of them the
// second unless it has more connections per weight than the first
// (conns2*weight1 > conns1*weight2). Every miss, the repeat of the
// first included, counts towards the 20 before round robin.
func (u *Upstream) getRandomTwo(r *Request, sec int64) (*Peer, error) {
	t := &u.primary
	if r.hashTries > triesBeforeRR || len(t.peers) < 2 {
		return u.getRoundRobin(r, sec)
	}
	prev := -1
	for {
		i := u.peek()
		if i != prev && !r.isTried(i) && !t.peers[i].unavailable(sec) {
			if prev >= 0 {
				p, q := &t.peers[i], &t.peers[prev]
				if p.Conns*q.Weight > q.Conns*p.Weight {
					i = prev
				}
				return u.take(r, i, sec), nil
			}
			prev = i
		}
		r.hashTries++
		if r.hashTries > triesBeforeRR {
			return u.getRoundRobin(r, sec)
		}
	}
}
