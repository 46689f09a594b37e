// Package sim is the discrete-event kernel of vrrpsim: integer virtual time,
// one event queue ordered by (time, sequence), resettable timers, seeded
// random streams per entity, and a trace hook. It imports nothing of ours.
//
// # Ordering
//
// Events run in (time, seq) order, where seq is the order of the At, After
// or Reset call that set them. Equal-time events therefore run in the order
// they were scheduled (FIFO, as in ns-3 and SimPy), which is what makes a
// run with a given seed reproducible to the byte. A timer reset to a later
// deadline takes its place among equal-time events by the seq of its last
// Reset, exactly as if it had been queued again at that moment.
//
// A world in parts that share nothing runs as a Group of kernels, one per
// part (group.go); its order is (time, part, order within the part),
// whether the parts run in lockstep or each through a window in turn.
//
// # The event queue: a ladder queue
//
// The queue is a ladder queue (W. T. Tang, R. S. M. Goh, I. L.-J. Thng,
// "Ladder Queue: An O(1) Priority Queue Structure for Large-Scale Discrete
// Event Simulation", ACM TOMACS 15(3), 2005), adapted here:
//
//   - Top: an unsorted array for the far future. A push there is an append.
//   - Rungs: when everything nearer has run, the top is spread over a rung
//     of buckets of one power-of-two width (an index is a subtraction and a
//     shift). A bucket holding more than a few dozen events, when its turn
//     comes, is spread over a finer rung, and so on up to 8 rungs.
//   - Bottom: the next bucket, sorted (insertion sort: a few dozen events
//     at most), from which events are popped in order. Pushes that fall
//     before the current bucket are inserted there directly; a push at
//     "now" appends at its end without moving anything.
//
// Why not a binary or 4-ary heap: a heap costs O(log n) comparisons and,
// beyond the cache, O(log n) cache misses per event. The ladder costs O(1)
// amortized: each event is appended to a bucket, moved down a rung or two
// and sorted with a few neighbours. A rung has a few thousand buckets at
// most, so the bucket tails being appended to stay in cache, as in a
// radix-sort pass; large populations are split by the next rung rather
// than by more buckets.
// Widths are derived from the events actually present, so the queue copes
// with exponential delays, bursts, timers seconds away next to frames
// microseconds away, and many events at one instant (a bucket whose events
// share one instant is sorted, never split; equal times cost nothing more).
//
// Entries are small (time, seq, callback: 24 bytes, no cancel bookkeeping).
// Bucket arrays are recycled by size class, so once the queue has reached
// its working size, At, After, Reset and Stop allocate nothing (the price:
// the queue keeps the memory of its largest population until the Kernel
// is dropped).
//
// # Delay lanes
//
// Most events of a network are scheduled a constant delay ahead of now: a
// switch hop (the port latency, twice per frame), a ping flow's interval,
// an advertisement interval. Events pushed with one delay arrive already
// in (time, seq) order, so the kernel keeps up to six FIFO lanes, one per
// frequent delay, beside the ladder, and runs the least of the ladder's
// first entry and the lanes' heads (lanes.go). An entry that would not
// keep its lane sorted goes to the ladder, so the order is exactly the
// ladder's alone. Lanes follow the delays that are frequent now (counts
// halve every 65,536 pushes); a lane handed to another delay moves its
// entries to the ladder.
//
// # Timers
//
// Protocol timers are reset far more often than they fire: a VRRP backup
// resets its Master_Down_Timer on every advertisement (RFC 3768 section
// 6.4.2), an ARP entry is confirmed on every reply. So a Timer is lazy: a
// Reset to a later deadline only records the deadline, and the queued entry
// re-queues itself under (deadline, seq of the last Reset) when it
// surfaces; a Reset to an earlier deadline queues a new entry and the old
// one is recognised as stale by its seq; Stop only disarms. A timer reset
// every second with a 3.6 s deadline therefore costs one queue operation
// every 3.6 s, and stale entries never move the clock or count as fired.
package sim
