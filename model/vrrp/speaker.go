package vrrp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Timer is a resettable one-shot timer; *sim.Timer satisfies it.
type Timer = sim.Resettable

// Env is everything a Speaker needs from the node it runs on. All calls are
// synchronous; callbacks of timers from NewTimer run on the kernel loop.
type Env interface {
	Now() sim.Time
	NewTimer(fn func()) Timer
	// SendAdvert sends one advertisement. The node adds IPv4 (TTL 255,
	// protocol 112, TOS 0xc0) and Ethernet (source = virtual MAC if UseVMAC,
	// else the interface MAC). dst is wire.VRRPGroup or a unicast peer.
	// adv is valid only during the call (the speaker reuses it).
	SendAdvert(src, dst netip.Addr, adv *wire.VRRP)
	// SendGARP sends one gratuitous ARP for vip (the node picks the MAC).
	SendGARP(vip netip.Addr)
	// SetMaster(true): the node owns the VIPs (answers ARP for them, accepts
	// the virtual MAC); false releases them.
	SetMaster(master bool)
	// Trace records r; the node fills Node and At.
	Trace(r sim.Record)
}

// Speaker is one VRRP instance as keepalived 2.2.7 runs it. It is a plain
// value driven by its Env: no goroutines, no clock of its own.
//
// The field names follow keepalived's vrrp_t so the code can be read next
// to vrrp.c: msDownTimer is ms_down_timer (the span the master-down timer is
// armed with when the current event is done), wantState is wantstate,
// vipSet is vipset.
type Speaker struct {
	cfg Config
	env Env
	adv wire.VRRP // the advert being sent (sendAdvertTo): no allocation per advert

	state     State
	wantState State // the state wanted disregarding the sync group
	base      int   // base_priority
	effective int   // effective_priority, advertised and compared

	ifaceUp    bool   // the instance's own interface
	trackIfUp  []bool // parallel to cfg.TrackInterfaces
	trackSrcOK []bool // parallel to cfg.TrackScripts
	faults     int    // num_script_if_fault: own interface + failed unweighted tracks

	masterAdverInt time.Duration // Master_Adver_Interval (v3 learns it)
	msDownTimer    time.Duration
	downReason     Reason // reason to report if the master-down timer expires

	masterDown   Timer    // BACKUP: Master_Down_Timer
	masterDownAt sim.Time // its deadline (keepalived sands)
	advert       Timer    // MASTER: Adver_Timer

	preemptTime sim.Time // keepalived preempt_time; zero = not running
	preemptSet  bool

	vipSet        bool
	garpRefreshAt sim.Time

	// GARP bursts registered for later (garp_master_delay and
	// garp_lower_prio_delay threads), oldest first: keepalived does not
	// cancel them when the instance leaves MASTER; they do nothing unless
	// the VIPs are set when they fire.
	delayed   []delayedBurst
	garpDelay Timer

	// vrrp_garp_interval: GARPs closer together than GARPInterval are
	// queued, one pending flag per VIP (vrrp_arp.c queue_garp).
	garpNext    sim.Time
	garpNextSet bool
	garpPending []bool
	garpTimer   Timer
	garpTimerOn bool
	garpTimerAt sim.Time

	masterIP       netip.Addr // source of the last accepted advert
	masterPriority int

	authData [8]byte
	sync     *SyncGroup
	// syncFault: this member's fault is counted in sync.numMemberFault
	// (it was running when it failed, or started with it).
	syncFault bool
	counters  Counters

	notifiesSent bool // keepalived notifies_sent (notify.go)
}

type delayedBurst struct {
	at     sim.Time
	repeat int
	why    string
}

// New returns a speaker in INIT for cfg (defaults applied, then validated).
// Like keepalived, initial state MASTER clears nopreempt and preempt_delay
// (vrrp.c vrrp_complete_instance: "nopreempt will not work with initial
// state MASTER"); Config returns the configuration in effect.
func New(cfg Config, env Env) (*Speaker, error) {
	cfg, err := cfg.Effective()
	if err != nil {
		return nil, err
	}
	if env == nil {
		return nil, fmt.Errorf("vrrp %s: nil Env", cfg.Name)
	}
	cfg.VIPs = append([]netip.Addr(nil), cfg.VIPs...)
	cfg.UnicastPeers = append([]netip.Addr(nil), cfg.UnicastPeers...)
	cfg.TrackInterfaces = append([]Track(nil), cfg.TrackInterfaces...)
	cfg.TrackScripts = append([]Track(nil), cfg.TrackScripts...)
	cfg.Notify = cfg.Notify.clone()
	s := &Speaker{
		cfg:            cfg,
		env:            env,
		wantState:      cfg.InitialState,
		base:           cfg.Priority,
		ifaceUp:        true,
		trackIfUp:      make([]bool, len(cfg.TrackInterfaces)),
		trackSrcOK:     make([]bool, len(cfg.TrackScripts)),
		masterAdverInt: cfg.AdvertInt,
		garpPending:    make([]bool, len(cfg.VIPs)),
	}
	for i := range s.trackIfUp {
		s.trackIfUp[i] = true
	}
	for i := range s.trackSrcOK {
		s.trackSrcOK[i] = true
	}
	copy(s.authData[:], cfg.AuthPass)
	s.effective = s.computePriority()
	s.masterDown = env.NewTimer(s.onMasterDownExpired)
	s.advert = env.NewTimer(s.onAdvertExpired)
	s.garpDelay = env.NewTimer(s.onGARPDelay)
	s.garpTimer = env.NewTimer(s.onGARPTimer)
	return s, nil
}

// Name returns the instance name.
func (s *Speaker) Name() string { return s.cfg.Name }

// Config returns the configuration in effect.
func (s *Speaker) Config() Config { return s.cfg }

// State returns the current state.
func (s *Speaker) State() State { return s.state }

// EffectivePriority returns the priority the instance advertises and
// compares with.
func (s *Speaker) EffectivePriority() int { return s.effective }

// MasterDownInterval returns 3 * Master_Adver_Interval + Skew_Time for the
// current effective priority and learned master interval.
func (s *Speaker) MasterDownInterval() time.Duration {
	return MasterDownInterval(s.cfg.Version, s.effective, s.masterAdverInt)
}

// Counters returns a copy of the statistics.
func (s *Speaker) Counters() Counters { return s.counters }

func (s *Speaker) skew() time.Duration {
	return SkewTime(s.cfg.Version, s.effective, s.masterAdverInt)
}

func (s *Speaker) now() sim.Time { return s.env.Now() }

func (s *Speaker) unicast() bool { return len(s.cfg.UnicastPeers) > 0 }

// setState is the only place the state changes: it stops the old state's
// timer, releases the VIPs when leaving MASTER, records the transition and
// arms the new state's timer (keepalived vrrp_init_instance_sands).
func (s *Speaker) setState(next State, why Reason) {
	prev := s.state
	switch prev {
	case StateBackup:
		s.masterDown.Stop()
	case StateMaster:
		s.advert.Stop()
	}
	if prev == StateMaster && next != StateMaster && s.vipSet {
		s.releaseVIPs()
	}
	s.state = next
	if prev != next {
		s.env.Trace(sim.Record{
			Kind: sim.KindState, Comp: s.cfg.Name,
			From: prev.String(), To: next.String(), Reason: why.String(),
			Value: int64(s.effective), Value2: int64(s.cfg.VRID), Addr: s.cfg.PrimaryIP,
		})
		// vrrp_init_state: no notify for a start in FAULT that only the
		// sync group causes.
		if next != StateInit && !(prev == StateInit && why == ReasonSyncGroup) {
			s.notifyState(next.String())
		}
	}
	s.armStateTimer()
}

// armStateTimer is keepalived's vrrp_init_instance_sands: BACKUP waits
// msDownTimer from now, MASTER one advertisement interval, FAULT and INIT
// nothing.
func (s *Speaker) armStateTimer() {
	switch s.state {
	case StateBackup:
		s.setMasterDownAt(s.now().Add(s.msDownTimer))
	case StateMaster:
		s.advert.Reset(s.cfg.AdvertInt)
	}
}

func (s *Speaker) setMasterDownAt(at sim.Time) {
	s.masterDownAt = at
	d := at.Sub(s.now())
	if d < 0 {
		d = 0
	}
	s.masterDown.Reset(d)
}

// Start is the daemon starting (or restarting): keepalived
// vrrp_scheduler.c vrrp_init_state. Every instance starts in BACKUP and
// waits a full Master_Down_Interval, whatever its "state"; only an instance
// with state MASTER and priority 255 (the address owner) takes over at once
// (keepalived times out of BACKUP after 1 us). An instance with a failed
// interface or unweighted track starts in FAULT.
func (s *Speaker) Start() {
	if s.state != StateInit {
		return
	}
	s.wantState = s.cfg.InitialState
	s.masterAdverInt = s.cfg.AdvertInt
	s.preemptSet = false
	s.notifiesSent = false // a new keepalived process
	s.vipSet = false
	s.delayed = s.delayed[:0]
	s.garpNextSet = false
	s.clearPendingGARPs()
	s.effective = s.computePriority()
	if s.sync != nil {
		s.sync.startMember(s)
	}
	newState := s.wantState
	if s.sync != nil {
		newState = s.sync.state
	}
	if s.faults == 0 && newState == StateMaster && s.base == OwnerPriority && s.wantState == StateMaster {
		s.msDownTimer = time.Microsecond
		s.downReason = ReasonAddressOwner
		s.setState(StateBackup, ReasonStartup)
		return
	}
	if newState == StateBackup && s.wantState == StateMaster {
		// Sync group in BACKUP: "allow one adver_int to pass to ensure
		// there is no other master".
		s.msDownTimer = s.masterAdverInt + SkewTime(s.cfg.Version, 255, s.masterAdverInt)
	} else {
		s.msDownTimer = s.MasterDownInterval()
	}
	s.downReason = ReasonMasterDownExpired
	if s.faults == 0 && newState != StateFault {
		s.setState(StateBackup, ReasonStartup)
		return
	}
	why := ReasonFault
	if !s.ifaceUp {
		why = ReasonInterfaceDown
	} else if s.faults == 0 {
		why = ReasonSyncGroup
	}
	s.setState(StateFault, why)
	if s.sync != nil {
		s.sync.faultStarted(s)
	}
}

// Shutdown is a graceful stop (SIGTERM): a master sends one priority 0
// advert and releases its VIPs (keepalived restore_vrrp_interfaces); every
// instance goes to INIT.
func (s *Speaker) Shutdown() {
	if s.state == StateInit {
		return
	}
	if s.state == StateMaster {
		s.sendAdvert(0)
	}
	s.stopAll()
	s.setState(StateInit, ReasonShutdown)
	if s.sync != nil {
		s.sync.releaseFault(s)
	}
}

// Halt is a crash: all timers stop, nothing is sent, the state goes to INIT.
// The VIPs are released with SetMaster(false) because the node that held
// them is gone (a keepalived killed with SIGKILL on a live host would leave
// them configured; that case is not modelled).
func (s *Speaker) Halt() {
	if s.state == StateInit {
		return
	}
	s.stopAll()
	s.setState(StateInit, ReasonCrash)
	if s.sync != nil {
		s.sync.releaseFault(s)
	}
}

func (s *Speaker) stopAll() {
	s.masterDown.Stop()
	s.advert.Stop()
	s.garpDelay.Stop()
	s.garpTimer.Stop()
	s.garpTimerOn = false
	s.delayed = s.delayed[:0]
	s.clearPendingGARPs()
}

// onMasterDownExpired: RFC 3768 section 6.4.2 "If the Master_Down_Timer
// fires"; keepalived vrrp_dispatcher_read_timeout -> vrrp_goto_master.
func (s *Speaker) onMasterDownExpired() {
	if s.state != StateBackup {
		return
	}
	prev := s.state
	s.wantState = StateMaster
	s.gotoMaster(s.downReason)
	s.syncTransition(prev)
}

// onAdvertExpired: RFC 3768 section 6.4.3 "If the Adver_Timer fires".
func (s *Speaker) onAdvertExpired() {
	if s.state != StateMaster {
		return
	}
	s.masterTx()
	s.armStateTimer()
	s.syncTransition(StateMaster)
}

// gotoMaster is keepalived vrrp_state_goto_master: a sync group member may
// be held in BACKUP until every member wants MASTER.
func (s *Speaker) gotoMaster(why Reason) {
	if s.sync != nil && !s.sync.canGotoMaster(s) {
		s.wantState = StateMaster
		return
	}
	s.setState(StateMaster, why)
	s.masterTx()
}

// masterTx is keepalived vrrp_state_master_tx: send an advert first (so the
// old master removes the VIPs before our GARPs), then on the first call
// take the VIPs and announce them; later calls do the garp_master_refresh.
func (s *Speaker) masterTx() {
	s.sendAdvert(s.effective)
	if !s.vipSet {
		s.becomeMaster()
		if s.cfg.GARPMasterDelay > 0 {
			s.queueDelayedBurst(s.cfg.GARPMasterDelay, s.cfg.GARPMasterRepeat, "master_delay")
		}
		return
	}
	// The refresh is only checked when an advert is sent, and fires on the
	// first advert strictly after the deadline (timercmp ">").
	if s.cfg.GARPMasterRefresh > 0 && s.now() > s.garpRefreshAt {
		s.sendLinkUpdate(s.cfg.GARPMasterRefreshRepeat, "refresh")
		s.garpRefreshAt = s.now().Add(s.cfg.GARPMasterRefresh)
	}
}

// becomeMaster is keepalived vrrp_state_become_master.
func (s *Speaker) becomeMaster() {
	s.counters.BecameMaster++
	s.env.SetMaster(true)
	s.vipSet = true
	s.sendLinkUpdate(s.cfg.GARPMasterRepeat, "master")
	if s.cfg.GARPMasterRefresh > 0 {
		s.garpRefreshAt = s.now().Add(s.cfg.GARPMasterRefresh)
	}
}

func (s *Speaker) releaseVIPs() {
	s.clearPendingGARPs()
	s.env.SetMaster(false)
	s.vipSet = false
}

// leaveMaster is keepalived vrrp_state_leave_master. Leaving for FAULT sends
// a priority 0 advert; advF (keepalived down_instance) sends a second one
// from vrrp_restore_interface, so a master whose tracked object fails sends
// two priority 0 adverts, as keepalived 2.2.7 does.
func (s *Speaker) leaveMaster(want State, advF bool, why Reason) {
	s.wantState = want
	switch want {
	case StateBackup:
		s.preemptSet = false
	case StateFault:
		s.sendAdvert(0)
	default:
		return
	}
	if advF {
		s.sendAdvert(0)
	}
	s.msDownTimer = s.MasterDownInterval()
	s.counters.ReleasedMaster++
	s.setState(want, why)
}

// leaveFault is keepalived vrrp_state_leave_fault: go to wantState.
func (s *Speaker) leaveFault(why Reason) {
	if s.wantState == StateMaster {
		s.gotoMaster(why)
	} else {
		if s.wantState == StateFault && s.state == StateMaster {
			s.sendAdvert(0)
		}
		if s.wantState == StateBackup {
			s.preemptSet = false
		}
		s.masterAdverInt = s.cfg.AdvertInt
		s.msDownTimer = s.MasterDownInterval()
		s.downReason = ReasonMasterDownExpired
		s.setState(s.wantState, why)
	}
	s.masterAdverInt = s.cfg.AdvertInt
	s.msDownTimer = s.MasterDownInterval()
	s.armStateTimer()
}

// HandleAdvertisement processes a received advertisement whose checksum
// the wire decoder verified. src and dst are the IPv4 addresses, ttl the
// IPv4 TTL.
func (s *Speaker) HandleAdvertisement(src, dst netip.Addr, ttl uint8, adv *wire.VRRP) {
	if adv == nil {
		return
	}
	// vrrp_dispatcher_read: the instance is looked up by VRID; FAULT and INIT
	// instances ignore adverts.
	if adv.VRID != s.cfg.VRID {
		s.drop(DropVRIDMismatch)
		return
	}
	if s.state != StateBackup && s.state != StateMaster {
		s.drop(DropNotRunning)
		return
	}
	prev := s.state
	if s.state == StateBackup {
		s.backupRx(src, dst, ttl, adv)
	} else if why, yield := s.masterRx(src, dst, ttl, adv); yield {
		s.leaveMaster(StateBackup, false, why)
	}
	s.syncTransition(prev)
	// keepalived re-arms the instance timer after every packet it reads
	// (vrrp_init_instance_sands). For a MASTER this restarts the Adver_Timer
	// even when the packet was dropped or lower priority; for a BACKUP that
	// ignored the advert msDownTimer holds the time left, so the deadline
	// does not move.
	s.armStateTimer()
}

// checkPacket is keepalived vrrp_check_packet (the checks the decoder did
// not already do), in keepalived's order.
func (s *Speaker) checkPacket(dst netip.Addr, ttl uint8, adv *wire.VRRP) bool {
	// RFC 3768 section 7.1 / RFC 5798 section 7.1: MUST verify TTL 255.
	// keepalived skips the check for unicast instances.
	if !s.unicast() && ttl != 255 {
		return s.drop(DropTTL)
	}
	if int(adv.Version) != s.cfg.Version {
		return s.drop(DropVersionMismatch)
	}
	if s.cfg.Version == 2 {
		if adv.AuthType > 2 {
			return s.drop(DropInvalidAuthType)
		}
		var mine uint8
		if s.cfg.AuthPass != "" {
			mine = 1
		}
		if adv.AuthType != mine {
			return s.drop(DropAuthTypeMismatch)
		}
		if mine == 1 && adv.AuthData != s.authData {
			return s.drop(DropAuthMismatch)
		}
		// RFC 3768 section 7.1: MUST verify the Adver Interval matches;
		// keepalived drops silently (VRRP_PACKET_DROP, no statistic).
		if time.Duration(adv.AdverInt)*time.Second != s.cfg.AdvertInt {
			return s.drop(DropIntervalMismatch)
		}
	}
	if adv.Type != wire.VRRPAdvertisement {
		return s.drop(DropInvalidType)
	}
	if len(adv.Addrs) != len(s.cfg.VIPs) {
		return s.drop(DropAddrListMismatch)
	}
	if dst.IsMulticast() == s.unicast() {
		return s.drop(DropCastMismatch)
	}
	s.counters.AdvertsReceived++
	// RFC 3768 section 7.1 says a mismatching address list is dropped only
	// when the sender is not the owner (priority != 255); keepalived drops
	// it whatever the priority.
	for _, v := range s.cfg.VIPs {
		found := false
		for _, a := range adv.Addrs {
			if a == v {
				found = true
				break
			}
		}
		if !found {
			return s.drop(DropAddrListMismatch)
		}
	}
	if adv.Priority == 0 {
		s.counters.PriorityZeroReceived++
	}
	return true
}

func (s *Speaker) drop(d Drop) bool {
	s.counters.Drops[d]++
	s.env.Trace(sim.Record{Kind: sim.KindDrop, Comp: s.cfg.Name, Reason: d.String()})
	return false
}

// backupRx is keepalived vrrp_state_backup (RFC 3768 section 6.4.2).
func (s *Speaker) backupRx(src, dst netip.Addr, ttl uint8, adv *wire.VRRP) {
	ignore := false
	prio := int(adv.Priority)
	now := s.now()
	switch {
	case !s.checkPacket(dst, ttl, adv):
		ignore = true
	case prio == 0:
		// RFC 3768 section 6.4.2: priority 0 sets Master_Down_Timer to
		// Skew_Time.
		s.msDownTimer = s.skew()
		s.downReason = ReasonPriorityZero
		s.traceHeard(src, prio)
	case s.cfg.NoPreempt || prio >= s.effective ||
		(s.cfg.PreemptDelay > 0 && (!s.preemptSet || s.preemptTime > now)):
		// Accept: the sender is (or, while preempt_delay runs, stays) master.
		if s.cfg.Version == 3 {
			// RFC 5798 section 6.4.2: learn Master_Adver_Interval.
			s.masterAdverInt = time.Duration(adv.AdverInt&0x0fff) * v3IntervalUnit
		}
		s.msDownTimer = s.MasterDownInterval()
		s.masterIP = src
		s.masterPriority = prio
		s.downReason = ReasonMasterDownExpired
		s.traceHeard(src, prio)
		if s.cfg.PreemptDelay > 0 {
			// preempt_delay counts from the first lower-priority advert;
			// a higher or equal one stops it.
			if prio >= s.effective {
				s.preemptSet = false
			} else if !s.preemptSet {
				s.preemptSet = true
				s.preemptTime = now.Add(s.cfg.PreemptDelay)
			}
		}
		s.wantState = StateBackup
	default:
		// Preempt: discard the lower-priority advert; our timer runs out.
		s.drop(DropLowerPriority)
		ignore = true
		s.masterIP = src
		s.downReason = ReasonLowerPrioPreempt
	}
	if ignore {
		left := s.masterDownAt.Sub(now)
		if left < 0 {
			left = 0
		}
		s.msDownTimer = left
	}
}

// traceHeard records an advertisement a backup accepted: its master-down
// timer now counts from this instant, so reports measure takeover from it.
func (s *Speaker) traceHeard(src netip.Addr, prio int) {
	s.env.Trace(sim.Record{
		Kind: sim.KindAdvert, Event: "rx", Comp: s.cfg.Name,
		Value: int64(prio), Value2: int64(s.cfg.VRID), Addr: src,
	})
}

// masterRx is keepalived vrrp_state_master_rx (RFC 3768 section 6.4.3). It
// reports whether to yield to BACKUP, and why.
func (s *Speaker) masterRx(src, dst netip.Addr, ttl uint8, adv *wire.VRRP) (Reason, bool) {
	if !s.checkPacket(dst, ttl, adv) {
		return ReasonNone, false
	}
	prio := int(adv.Priority)
	cmp := src.Compare(s.cfg.PrimaryIP)
	if prio == 0 {
		// RFC 3768 section 6.4.3: send an advert at once.
		s.sendAdvert(s.effective)
		return ReasonNone, false
	}
	if prio == s.effective && cmp != 0 && s.effective == OwnerPriority {
		// Two address owners: keepalived reports a configuration error and
		// lowers its own priority to 254.
		s.base = OwnerPriority - 1
		s.effective = OwnerPriority - 1
	}
	if prio < s.effective || (prio == s.effective && cmp < 0) {
		// keepalived 2.2.7 (not in the RFCs, which say discard): answer a
		// lower-priority advert with our own advert and a GARP round, to
		// end a split brain at once (lower_prio_no_advert and
		// garp_lower_prio_repeat defaults).
		s.sendAdvert(s.effective)
		s.lowerPrioGARPs()
		if s.sync != nil {
			for _, m := range s.sync.members {
				if m != s {
					m.lowerPrioGARPs()
				}
			}
		}
		s.notifyEvent(NotifyEventRxLowerPri)
		return ReasonNone, false
	}
	if prio > s.effective || (prio == s.effective && cmp > 0) {
		why := ReasonPreempted
		if prio == s.effective {
			why = ReasonHigherIP
		}
		if s.cfg.Version == 3 {
			s.masterAdverInt = time.Duration(adv.AdverInt&0x0fff) * v3IntervalUnit
		}
		s.masterIP = src
		s.masterPriority = prio
		s.downReason = ReasonMasterDownExpired
		// Yield silently: higher_prio_send_advert is off by default.
		return why, true
	}
	return ReasonNone, false // equal priority from our own address
}

// sendAdvert sends one advert with priority prio to the group or to every
// unicast peer. Nothing goes out while the interface is down (keepalived's
// sendto fails with ENETUNREACH).
func (s *Speaker) sendAdvert(prio int) {
	if !s.ifaceUp {
		return
	}
	if s.unicast() {
		for _, p := range s.cfg.UnicastPeers {
			s.sendAdvertTo(p, prio)
		}
		return
	}
	s.sendAdvertTo(wire.VRRPGroup, prio)
}

func (s *Speaker) sendAdvertTo(dst netip.Addr, prio int) {
	adv := &s.adv
	*adv = wire.VRRP{
		Version:  uint8(s.cfg.Version),
		Type:     wire.VRRPAdvertisement,
		VRID:     s.cfg.VRID,
		Priority: uint8(prio),
		Addrs:    s.cfg.VIPs,
	}
	if s.cfg.Version == 3 {
		adv.AdverInt = uint16(s.cfg.AdvertInt / v3IntervalUnit)
	} else {
		adv.AdverInt = uint16(s.cfg.AdvertInt / time.Second)
		if s.cfg.AuthPass != "" {
			adv.AuthType = 1
			adv.AuthData = s.authData
		}
	}
	s.counters.AdvertsSent++
	if prio == 0 {
		s.counters.PriorityZeroSent++
	}
	s.env.SendAdvert(s.cfg.PrimaryIP, dst, adv)
	s.env.Trace(sim.Record{
		Kind: sim.KindAdvert, Comp: s.cfg.Name,
		Value: int64(prio), Value2: int64(s.cfg.VRID), Addr: s.cfg.PrimaryIP,
	})
}
