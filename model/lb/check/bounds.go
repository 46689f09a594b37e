package check

// The detection calculator: for one checker and one way a real server
// fails, the best and worst time from the failure to keepalived taking
// the server out, and from its recovery to putting it back. It replays
// the checker's own epilog (settings.next, the code the simulation
// runs) over the probes a failure at each phase would meet; nothing
// here is a second formula.
//
// Use:
//
//	b, err := check.Predict(cfg, 0, 0, check.FailBlackhole, time.Millisecond)
//	// b.RemoveBest, b.RemoveWorst: failure -> removal (or weight 0)
//	// b.ReAddBest, b.ReAddWorst: recovery -> back in the table
//
// The model of the world is the one docs/checks.md states: a probe sees
// the server as it is when the probe starts; an answered probe (a
// connect, or a whole HTTP exchange) takes rtt; a refused one rtt; a
// black-holed one connect_timeout; a slow HTTP answer rtt plus
// connect_timeout (the read times out); MISC_CHECK's script takes no
// time. Worst cases are upper limits that a failure just after a probe
// started comes as close to as it likes. The bounds are for a server
// that has passed its probes for a while: one that fails before its
// first probe goes at its first failure (retry_it starts at retry).

import (
	"fmt"
	"time"
)

// Failure is how a real server fails, as its checkers' probes see it.
type Failure uint8

// Failures (the timeline's fail_service, slow_service and misc_check).
const (
	FailRefuse    Failure = iota // RST to every SYN
	FailBlackhole                // nothing answers
	FailSlow                     // answers later than connect_timeout
	FailStatus                   // HTTP answers with a status not in status_code
	FailScript                   // MISC_CHECK's script exits 1
)

var failureNames = [...]string{"refuse", "blackhole", "slow", "status", "script"}

func (f Failure) String() string { return enumName(failureNames[:], int(f)) }

// Bounds are the predicted detection and recovery times of one checker
// for one failure.
type Bounds struct {
	Checker string // "rs1/TCP_CHECK"
	Failure Failure
	// Detected is false when the checker never notices the failure
	// (TCP_CHECK against a slow server or a bad status; a MISC_CHECK
	// against a service failure, or a TCP/HTTP check against a script).
	Detected bool
	// RemoveBest and RemoveWorst: from the failure to the verdict that
	// takes the server out (removal, or weight 0 with
	// inhibit_on_failure). Best: the failure comes just as a probe
	// starts; worst: just after one started.
	RemoveBest, RemoveWorst time.Duration
	// FailedProbes is how many failed probes the verdict takes.
	FailedProbes int
	// ReAddBest and ReAddWorst: from the recovery (after the removal) to
	// the verdict that puts the server back.
	ReAddBest, ReAddWorst time.Duration
	// GoodProbes is how many good probes the re-add takes.
	GoodProbes int
	// ConnectTimeout is the checker's resolved connect_timeout: a slow
	// server is a failure (FailSlow) only when it answers later.
	ConnectTimeout time.Duration
}

// Predict gives the bounds of checker number ck (in configuration
// order) of real server number rs of cfg, its settings inherited as the
// simulation inherits them, for failure f; rtt is how long an answered
// probe takes.
func Predict(cfg ServiceConfig, rs, ck int, f Failure, rtt time.Duration) (Bounds, error) {
	if rs < 0 || rs >= len(cfg.Reals) || ck < 0 || ck >= len(cfg.Reals[rs].Checkers) {
		return Bounds{}, fmt.Errorf("virtual_server %s: no checker %d of real server %d", cfg.Name, ck, rs)
	}
	if err := cfg.Validate(); err != nil {
		return Bounds{}, err
	}
	r := cfg.Reals[rs]
	t := resolve(r.Checkers[ck], r.Timing.under(cfg.serviceTiming()))
	b := t.bounds(f, rtt)
	b.Checker = checkerName(r.name(), r.Checkers[ck].Kind, ck)
	return b, nil
}

// Predict gives the bounds of a built checker (see the package's
// Predict).
func (c *Checker) Predict(f Failure, rtt time.Duration) Bounds {
	b := c.set.bounds(f, rtt)
	b.Checker = c.name
	return b
}

// probeTime is how long a probe of this kind takes against a healthy
// server (ok) and against failure f; detected is false when the probe
// succeeds anyway.
func (t settings) probeTime(f Failure, rtt time.Duration) (ok, failed time.Duration, detected bool) {
	http := t.kind.http()
	switch {
	case t.kind == KindMisc:
		return 0, 0, f == FailScript
	case f == FailRefuse:
		return rtt, rtt, true
	case f == FailBlackhole:
		return rtt, t.connectTimeout, true
	case f == FailSlow && http:
		return rtt, rtt + t.connectTimeout, true
	case f == FailStatus && http:
		return rtt, rtt, true
	}
	return rtt, 0, false
}

// probeRun is one replayed probe: its start and end, the verdict and
// state after it, and the delay to the next.
type probeRun struct {
	start, end time.Duration
	v          verdict
	after      state
	delay      time.Duration
}

// replay runs the checker's epilog over at most n probes from state s,
// the first starting at at, each lasting dur and good or failed as ok
// says, until stop (if not nil) holds for one.
func (t settings) replay(s state, at, dur time.Duration, ok bool, n int, stop func(probeRun) bool) []probeRun {
	var out []probeRun
	for range n {
		p := probeRun{start: at, end: at + dur}
		p.after, p.delay, p.v, _ = t.next(s, ok)
		out = append(out, p)
		s, at = p.after, p.end+p.delay
		if stop != nil && stop(p) {
			break
		}
	}
	return out
}

// bounds computes Bounds by replaying the epilog: a healthy server
// until the probes are periodic, then the failure just before a
// probe's start (best) or just after the previous one's (worst); then,
// once it is out, the recovery just before each probe of the down
// schedule (best) or just after the one before it, but not before the
// removal (worst).
func (t settings) bounds(f Failure, rtt time.Duration) Bounds {
	b := Bounds{Failure: f, ConnectTimeout: t.connectTimeout}
	okDur, failDur, detected := t.probeTime(f, rtt)
	if !detected {
		return b
	}
	// Healthy: every URL passed twice over, so the state is the steady
	// one and probes are okDur+delay_loop apart.
	healthy := t.replay(t.start(), 0, okDur, true, 2*max(t.urls, 1)+1, nil)
	last := healthy[len(healthy)-1]
	at := last.end + last.delay
	// Every kind decides within retry+1 failures of an up checker.
	fails := t.replay(last.after, at, failDur, false, t.retry+2, func(p probeRun) bool { return p.v == verdictDown })
	down := fails[len(fails)-1]
	if down.v != verdictDown {
		return b
	}
	b.Detected = true
	b.FailedProbes = len(fails)
	b.RemoveBest = down.end - at
	b.RemoveWorst = down.end - last.start
	// Two rounds of the down schedule (a TCP_CHECK round is retry+1
	// probes; the others repeat every probe).
	rounds := t.replay(down.after, down.end+down.delay, failDur, false, 2*(t.retry+1), nil)
	b.ReAddBest = -1
	prev, st := down.end, down.after
	for _, p := range rounds {
		good := t.replay(st, p.start, okDur, true, max(t.urls, 1)+2, func(q probeRun) bool { return q.v == verdictUp })
		if up := good[len(good)-1]; up.v == verdictUp {
			if best := up.end - p.start; b.ReAddBest < 0 || best < b.ReAddBest {
				b.ReAddBest, b.GoodProbes = best, len(good)
			}
			b.ReAddWorst = max(b.ReAddWorst, up.end-prev)
		}
		prev, st = p.start, p.after
	}
	return b
}
