package node

import (
	"errors"
	"fmt"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Freeze and reload: two ways a keepalived box stops answering for a
// while without dying.
//
// Freeze is a VM pause or CPU starvation: the whole node stops. No timer
// of its daemons (VRRP, ARP, health checks, TCP) fires: one that expires
// meanwhile is queued, and Thaw runs the queued ones at once in deadline
// order (keepalived logs "thread timer expired" for each late timer).
// Frames that reach a frozen node are dropped (drop reason "frozen"): a
// paused guest does not drain its NIC ring, and what the host would queue
// is stale by the resume, so no frame is replayed; after the thaw the
// expired timers run before any new frame. The VIPs stay on the frozen
// node's interfaces, so after the thaw it answers ARP for them at once.
// Traffic sources of a frozen host keep running (they use kernel timers):
// freeze routers.
//
// Only nodes built with Config.Freezable can freeze; the others pay
// nothing for it.

// freezeTimer is a daemon timer of a freezable node.
type freezeTimer struct {
	t      timer
	n      *Node
	fn     func()
	queued bool // expired while frozen, not yet run
	// at is the timer's index in n.expired while queued. A timer that is
	// stopped or reset during the freeze (a reload) and expires again is
	// appended again; only its last expiry counts and runs, in that
	// expiry's place in the deadline order.
	at int
}

func (f *freezeTimer) Reset(d time.Duration) { f.queued = false; f.t.Reset(d) }
func (f *freezeTimer) Stop() bool {
	was := f.queued
	f.queued = false
	return f.t.Stop() || was
}

func (f *freezeTimer) fire() {
	if f.n.frozen {
		f.queued = true
		f.at = len(f.n.expired)
		f.n.expired = append(f.n.expired, f)
		return
	}
	f.fn()
}

// newFreezeTimer wraps a daemon timer so that it waits out a freeze.
func (n *Node) newFreezeTimer(fn func()) timer {
	f := &freezeTimer{n: n, fn: fn}
	t := n.k.NewTimer(f.fire)
	if n.clock.ideal() {
		f.t = t
	} else {
		f.t = &localTimer{t: t, c: &n.clock}
	}
	return f
}

// Freeze pauses the node (see above). It needs Config.Freezable.
func (n *Node) Freeze() error {
	if !n.cfg.Freezable {
		return fmt.Errorf("node %s: freeze needs Config.Freezable (the scenario builder sets it for nodes a freeze names)", n.cfg.Name)
	}
	if n.frozen || !n.up {
		return nil
	}
	n.frozen = true
	n.advertFiltersChanged()
	n.note("", "freeze", "")
	return nil
}

// Thaw resumes a frozen node: the timers that expired during the freeze
// run now, in the order they expired (their deadline order). The note
// "thaw" carries their number in Value.
func (n *Node) Thaw() {
	if !n.frozen {
		return
	}
	n.frozen = false
	n.advertFiltersChanged()
	q := n.expired
	n.expired = nil
	late := 0
	for i, f := range q {
		if f.queued && f.at == i {
			late++
		}
	}
	n.trace(sim.Record{Kind: sim.KindNote, Event: "thaw", Reason: "thread_timer_expired", Value: int64(late)})
	for i, f := range q {
		if f.queued && f.at == i {
			f.queued = false
			f.fn()
		}
	}
}

// BeginReload is keepalived receiving SIGHUP: every VRRP instance stops
// (no adverts sent or read) and keeps its state and VIPs until EndReload.
func (n *Node) BeginReload() {
	if !n.up || !n.daemonUp || n.reloading {
		return
	}
	n.reloading = true
	n.advertFiltersChanged()
	for _, in := range n.insts {
		in.sp.Suspend()
	}
}

// EndReload applies the re-read configuration: instances found by name
// keep their state (vrrp.Speaker.Reload), new ones start, and removed
// ones stop as keepalived's clear_diff_vrrp does (a master sends priority
// 0 and releases its VIPs). cfgs nil reloads the same configuration.
func (n *Node) EndReload(cfgs []vrrp.Config) error {
	if !n.reloading {
		return nil
	}
	n.reloading = false
	defer n.advertFiltersChanged() // instances and their VRIDs change
	if !n.up || !n.daemonUp {
		return nil
	}
	if cfgs == nil {
		for _, in := range n.insts {
			cfgs = append(cfgs, in.cfg)
		}
	}
	var errs []error
	var kept []*instance
	for _, in := range n.insts {
		if !hasInstance(cfgs, in.cfg.Name) {
			in.sp.Shutdown()
			continue
		}
		kept = append(kept, in)
	}
	n.insts = kept
	for _, c := range cfgs {
		in := n.instance(c.Name)
		if in == nil {
			sp, err := n.AddVRRP(c)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			sp.Start()
			continue
		}
		if err := n.reloadInstance(in, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (n *Node) reloadInstance(in *instance, c vrrp.Config) error {
	i, ok := n.Interface(c.Interface)
	if !ok || i != in.iface {
		return fmt.Errorf("node %s: reload moves vrrp instance %s to interface %q; keepalived treats that as a new instance, not modelled", n.cfg.Name, c.Name, c.Interface)
	}
	if !c.PrimaryIP.IsValid() {
		if p, ok := i.Primary(); ok {
			c.PrimaryIP = p.Addr()
		}
	}
	// The old VIPs leave with the old config; the speaker adds the new
	// ones (clear_diff_vrrp_vip, restore_vrrp_state).
	env := &vrrpEnv{n: n, in: in}
	env.SetMaster(false)
	prev := in.cfg
	eff, err := c.Effective()
	if err != nil {
		return err
	}
	in.cfg = eff
	if err := in.sp.Reload(c); err != nil {
		in.cfg = prev
		return err
	}
	return nil
}

func (n *Node) instance(name string) *instance {
	for _, in := range n.insts {
		if in.cfg.Name == name {
			return in
		}
	}
	return nil
}

func hasInstance(cfgs []vrrp.Config, name string) bool {
	for _, c := range cfgs {
		if c.Name == name {
			return true
		}
	}
	return false
}
