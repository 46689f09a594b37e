package sim

// Delay lanes: most events of a network are scheduled a constant delay
// ahead of now. A switch hop is the port latency (every frame, twice), a
// ping flow's next packet its interval. Events pushed with one delay come
// in (time, seq) order by themselves, as now and seq only grow, so they
// need no priority queue: a FIFO per delay holds them sorted. The kernel
// keeps a few such lanes beside the ladder queue and runs the least of
// the ladder's first entry and the lanes' heads, so (time, seq) order is
// exactly as with the ladder alone. An entry goes to its delay's lane only
// if it is not before the lane's last entry (a timer re-queued under the
// seq of an earlier Reset may be), and otherwise to the ladder; so a lane
// is sorted whatever is pushed.

// maxLanes is how many delays have a lane at once.
const maxLanes = 6

// A delay gets a lane once it has been pushed promoteAt times since its
// candidate slot was last taken or its last promotion; lane and candidate
// counts halve every decayEvery pushes, so the lanes follow the delays
// that are frequent now (a startup storm's do not keep them).
const (
	promoteAt     = 32
	decayEvery    = 1 << 16
	candidateSets = 8 // delays without a lane are counted in 8 sets of 2 (hashed; the less counted makes room)
)

// lane is a FIFO ring of entries that share one delay.
type lane struct {
	delay Time
	buf   []entry // len is a power of two (or 0)
	head  int
	n     int
	hits  uint32 // pushes since the last decay
}

// candidate counts the pushes of a delay that has no lane.
type candidate struct {
	delay Time
	count uint32
}

// laneSet is the kernel's lanes and its candidates for one.
type laneSet struct {
	lanes   [maxLanes]lane
	nlanes  int
	cand    [candidateSets][2]candidate
	pushes  uint32 // since the last decay
	from    int    // where first's entry is: a lane, or -1 for the ladder
	evicted int    // lanes handed to another delay with entries (tests)
}

func (l *lane) tail() *entry { return &l.buf[(l.head+l.n-1)&(len(l.buf)-1)] }

func (l *lane) push(e entry) {
	if l.n == len(l.buf) {
		grown := make([]entry, max(2*len(l.buf), 64))
		for i := 0; i < l.n; i++ {
			grown[i] = l.buf[(l.head+i)&(len(l.buf)-1)]
		}
		l.buf, l.head = grown, 0
	}
	l.buf[(l.head+l.n)&(len(l.buf)-1)] = e
	l.n++
	l.hits++
}

func (l *lane) pop() {
	l.buf[l.head].fn = nil // hold no closure alive
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
}

// push queues e: in the lane of its delay when that keeps the lane
// sorted, else in the ladder.
func (k *Kernel) push(e entry) {
	ls := &k.ls
	d := e.at - k.now
	if ls.pushes++; ls.pushes == decayEvery {
		ls.decay()
	}
	for i := range ls.lanes[:ls.nlanes] {
		l := &ls.lanes[i]
		if l.delay == d {
			if l.n == 0 || !e.before(l.tail()) {
				l.push(e)
			} else {
				k.q.push(e) // before the lane's tail: a re-queued timer
			}
			return
		}
	}
	if l := k.promote(d); l != nil {
		l.push(e)
		return
	}
	k.q.push(e)
}

// promote counts a push of delay d, which has no lane, and returns a lane
// for it once d is frequent: an empty lane, a new one, or, when d is used
// more than twice as much as the least used lane, that lane, whose
// entries move to the ladder (rare: the counts settle on the network's
// steady delays).
func (k *Kernel) promote(d Time) *lane {
	ls := &k.ls
	set := &ls.cand[uint64(d)*0x9e3779b97f4a7c15>>61]
	c := &set[0]
	switch {
	case set[0].delay == d && set[0].count > 0:
	case set[1].delay == d && set[1].count > 0:
		c = &set[1]
	default:
		if set[1].count < set[0].count {
			c = &set[1]
		}
		c.delay, c.count = d, 0
	}
	if c.count++; c.count < promoteAt {
		return nil
	}
	var l *lane
	if ls.nlanes < maxLanes {
		l = &ls.lanes[ls.nlanes]
		ls.nlanes++
	} else {
		for i := range ls.lanes {
			if li := &ls.lanes[i]; l == nil || li.n == 0 || (l.n > 0 && li.hits < l.hits) {
				l = li
			}
		}
		if l.n > 0 && c.count <= 2*l.hits {
			return nil
		}
		if l.n > 0 {
			ls.evicted++
		}
		for ; l.n > 0; l.pop() {
			k.q.push(l.buf[l.head])
		}
	}
	l.delay, l.hits = d, 0
	*c = candidate{}
	return l
}

// decay halves the counts, so that they weigh the recent pushes most.
func (ls *laneSet) decay() {
	ls.pushes = 0
	for i := range ls.lanes[:ls.nlanes] {
		ls.lanes[i].hits /= 2
	}
	for i := range ls.cand {
		ls.cand[i][0].count /= 2
		ls.cand[i][1].count /= 2
	}
}

// first returns the next entry, the least of the ladder's first and the
// lanes' heads, or nil; pop removes it.
func (k *Kernel) first() *entry {
	ls := &k.ls
	best := k.q.first()
	ls.from = -1
	for i := range ls.lanes[:ls.nlanes] {
		l := &ls.lanes[i]
		if l.n == 0 {
			continue
		}
		if h := &l.buf[l.head]; best == nil || h.before(best) {
			best, ls.from = h, i
		}
	}
	return best
}

// pop removes the entry first returned.
func (k *Kernel) pop() {
	if k.ls.from < 0 {
		k.q.pop()
		return
	}
	k.ls.lanes[k.ls.from].pop()
}

// queued is the number of entries in the ladder and the lanes.
func (k *Kernel) queued() int {
	n := k.q.len()
	for i := range k.ls.lanes[:k.ls.nlanes] {
		n += k.ls.lanes[i].n
	}
	return n
}
