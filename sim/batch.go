package sim

// Batches: a switch flooding a frame schedules one delivery per port, all
// at the same time and back to back. AtN queues them as one entry that
// runs as n events, so a flood to 300 ports costs one queue operation, not
// 300 (issue 14), while everything that counts or steps events sees
// exactly the n events that n calls of At would have made: they take n
// consecutive sequence numbers, each is one event for Fired and Step, and
// nothing can run between them (same time; everything queued since has a
// later sequence number).

// batch is n events queued as one entry by AtN.
type batch struct {
	k    *Kernel
	seq0 uint64 // sequence number of event 0
	n    int
	next int // the next event to run
	fn   func(i int)
	run  func() // b.runNext, bound once so queuing allocates nothing
}

// AtN schedules fn(0), fn(1), ... fn(n-1) at virtual time at (clamped to
// now), as n calls of At back to back would: each is one event, in index
// order, and events at the same time run in scheduling order around them.
func (k *Kernel) AtN(at Time, n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	if at < k.now {
		at = k.now
	}
	var b *batch
	if m := len(k.freeBatches); m > 0 {
		b = k.freeBatches[m-1]
		k.freeBatches = k.freeBatches[:m-1]
	} else {
		b = &batch{k: k}
		b.run = b.runNext
	}
	b.seq0, b.n, b.next, b.fn = k.seq+1, n, 0, fn
	k.seq += uint64(n)
	k.push(entry{at: at, seq: b.seq0, fn: b.run})
}

// runNext runs the batch's next event. Run and Step have counted it and
// set the clock; while events remain the batch is the kernel's cont, which
// they run before looking at the queue.
func (b *batch) runNext() {
	k := b.k
	i := b.next
	b.next++
	fn := b.fn
	if b.next < b.n {
		k.cont = b
	} else {
		k.cont = nil
		b.fn = nil
		k.freeBatches = append(k.freeBatches, b)
	}
	fn(i)
}

// runCont runs the next event of the batch in progress, as Run and Step
// run a queued one.
func (k *Kernel) runCont() {
	b := k.cont
	k.prev, k.running = k.now, b.seq0+uint64(b.next)
	k.fired++
	b.runNext()
}
