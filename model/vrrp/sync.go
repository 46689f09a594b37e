package vrrp

// SyncGroup is a keepalived vrrp_sync_group: its member instances change
// state together (vrrp_sync.c, and the transition matrix VRRP_TSM of
// vrrp_scheduler.c):
//   - a member going MASTER (from BACKUP, FAULT or MASTER) takes the others
//     to MASTER, but only once every member wants MASTER: a member whose
//     master-down timer fires while another member still hears its master is
//     held in BACKUP (vrrp_sync_can_goto_master), wanting MASTER;
//   - a member going from MASTER to BACKUP takes the others to BACKUP,
//     silently;
//   - a member going to FAULT takes the others to FAULT (a master among them
//     sends one priority 0 advert); when the last fault clears the members
//     come back to BACKUP together.
//
// Members that are not running (INIT: never started, shut down or halted)
// are left alone, as if they were not in the group; keepalived runs every
// member in one process, so it never meets that case. A member that stops
// takes its fault out of the group's count (releasing the members it held
// in FAULT), and one that starts with a fault puts it back (releaseFault,
// startMember).
type SyncGroup struct {
	name           string
	members        []*Speaker
	state          State // keepalived sgroup->state
	numMemberFault int
	notify         Notify // notify.go
}

// NewSyncGroup groups members. A speaker already in a group is skipped
// (keepalived: "cannot exist in more than one sync group"). If some members
// want to start as MASTER and others not, all start as BACKUP
// (vrrp_complete_init).
func NewSyncGroup(name string, members ...*Speaker) *SyncGroup {
	g := &SyncGroup{name: name}
	for _, m := range members {
		if m == nil || m.sync != nil {
			continue
		}
		m.sync = g
		g.members = append(g.members, m)
	}
	haveMaster, haveBackup := false, false
	for _, m := range g.members {
		if m.cfg.InitialState == StateMaster {
			haveMaster = true
		}
		if m.cfg.InitialState != StateMaster || m.base != OwnerPriority {
			haveBackup = true
		}
	}
	if haveMaster && haveBackup {
		for _, m := range g.members {
			m.cfg.InitialState = StateBackup
			if m.wantState == StateMaster {
				m.wantState = StateBackup
			}
		}
	}
	g.initState()
	return g
}

// Name returns the group name.
func (g *SyncGroup) Name() string { return g.name }

// Members returns the member instances.
func (g *SyncGroup) Members() []*Speaker { return append([]*Speaker(nil), g.members...) }

// State returns the group state.
func (g *SyncGroup) State() State { return g.state }

// initState is vrrp_sync_set_group: MASTER if every member is an address
// owner starting as MASTER, else BACKUP; FAULT if a member is faulty.
func (g *SyncGroup) initState() {
	g.state = StateMaster
	g.numMemberFault = 0
	for _, m := range g.members {
		if !(m.cfg.InitialState == StateMaster && m.base == OwnerPriority) {
			g.state = StateBackup
		}
		m.syncFault = m.faults > 0
		if m.syncFault {
			g.numMemberFault++
		}
	}
	if len(g.members) == 0 {
		g.state = StateBackup
	}
	if g.numMemberFault > 0 {
		g.state = StateFault
	}
}

// startMember: the first member to start while all others are stopped
// re-initialises the group (a daemon start). A member starting alone into
// a running group with a fault of its own adds it to the group's count;
// Start then takes the group to FAULT (faultStarted).
func (g *SyncGroup) startMember(s *Speaker) {
	for _, m := range g.members {
		if m != s && m.running() {
			g.countFault(s, s.faults > 0)
			return
		}
	}
	g.initState()
}

// countFault sets whether s's fault is counted in numMemberFault.
func (g *SyncGroup) countFault(s *Speaker, on bool) {
	if s.syncFault == on {
		return
	}
	s.syncFault = on
	if on {
		g.numMemberFault++
	} else {
		g.numMemberFault--
	}
}

// faultStarted: s started in FAULT with the group's first counted fault
// (keepalived down_instance from INIT: num_member_fault 0 -> 1 calls
// vrrp_sync_fault).
func (g *SyncGroup) faultStarted(s *Speaker) {
	if s.syncFault && g.numMemberFault == 1 {
		g.fault(s)
	}
}

// releaseFault: s stopped (Halt, Shutdown), or its fault cleared while it
// was stopped. Its fault no longer holds the group; if it was the last
// one, the running members held in FAULT come back to BACKUP as they would
// when the fault cleared (try_up_instance then vrrp_sync_backup). Without
// this a member stopped in FAULT would leave the others in FAULT for good.
func (g *SyncGroup) releaseFault(s *Speaker) {
	if !s.syncFault {
		return
	}
	g.countFault(s, false)
	if g.numMemberFault > 0 || g.state != StateFault {
		return
	}
	for _, m := range g.members {
		if m.running() {
			g.backup(s)
			return
		}
	}
}

// canGotoMaster is vrrp_sync_can_goto_master.
func (g *SyncGroup) canGotoMaster(s *Speaker) bool {
	if g.state == StateMaster {
		return true
	}
	for _, m := range g.members {
		if m != s && m.running() && m.wantState != StateMaster {
			// Give the others time to want MASTER too.
			s.msDownTimer = s.MasterDownInterval()
			s.armStateTimer()
			return false
		}
	}
	return true
}

// master is vrrp_sync_master.
func (g *SyncGroup) master(s *Speaker) {
	if g.state == StateMaster || !g.canGotoMaster(s) {
		return
	}
	for _, m := range g.members {
		if m != s && m.running() && m.state != StateMaster {
			m.wantState = StateMaster
			m.gotoMaster(ReasonSyncGroup)
		}
	}
	g.state = StateMaster
	g.notifyState(g.state.String())
}

// backup is vrrp_sync_backup.
func (g *SyncGroup) backup(s *Speaker) {
	if g.state == StateBackup {
		return
	}
	for _, m := range g.members {
		if m == s || !m.running() || m.state == StateBackup {
			continue
		}
		m.wantState = StateBackup
		if m.state == StateFault {
			m.leaveFault(ReasonSyncGroup)
		} else {
			m.leaveMaster(StateBackup, false, ReasonSyncGroup)
		}
	}
	g.state = StateBackup
	g.notifyState(g.state.String())
}

// fault is vrrp_sync_fault.
func (g *SyncGroup) fault(s *Speaker) {
	if g.state == StateFault {
		return
	}
	for _, m := range g.members {
		if m == s || !m.running() || m.state == StateFault {
			continue
		}
		m.wantState = StateFault
		if m.state == StateMaster {
			m.leaveMaster(StateFault, false, ReasonSyncGroup)
		} else {
			m.leaveFault(ReasonSyncGroup)
		}
	}
	g.state = StateFault
	g.notifyState(g.state.String())
}

// syncTransition is VRRP_TSM_HANDLE: run the group handler for the
// transition prev -> s.state just made by an event.
func (s *Speaker) syncTransition(prev State) {
	if s.sync == nil {
		return
	}
	switch {
	case s.state == StateMaster && prev != StateInit:
		s.sync.master(s)
	case prev == StateMaster && s.state == StateBackup:
		s.sync.backup(s)
	}
}
