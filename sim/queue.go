package sim

// entry is one queued event: a plain callback or a timer expiry.
type entry struct {
	at  Time
	seq uint64
	fn  func()
	tm  *Timer
	gen uint32
}

func (a *entry) less(b *entry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// queue is a 4-ary min-heap ordered by (at, seq).
type queue struct{ h []entry }

func (q *queue) len() int { return len(q.h) }

func (q *queue) peek() (entry, bool) {
	if len(q.h) == 0 {
		return entry{}, false
	}
	return q.h[0], true
}

func (q *queue) push(e entry) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !q.h[i].less(&q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *queue) pop() entry {
	top := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h[n] = entry{}
	q.h = q.h[:n]
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if q.h[j].less(&q.h[m]) {
				m = j
			}
		}
		if !q.h[m].less(&q.h[i]) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
