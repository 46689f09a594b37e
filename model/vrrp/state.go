package vrrp

// State is the state of a VRRP instance (RFC 3768 section 6.4, RFC 5798
// section 6.4), plus keepalived's FAULT state.
type State uint8

// Instance states. The zero value is StateInit, which in Config.InitialState
// means "not set": keepalived then derives the initial state from the
// priority (vrrp.c vrrp_complete_instance).
const (
	StateInit State = iota
	StateBackup
	StateMaster
	// StateFault is keepalived's FAULT: the instance's interface is down or a
	// tracked object without weight failed. It sends no adverts and ignores
	// received ones (vrrp_scheduler.c vrrp_dispatcher_read).
	StateFault
)

var stateNames = [...]string{"INIT", "BACKUP", "MASTER", "FAULT"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "?"
}

// Reason says why an instance changed state; it is the Reason of the
// sim.KindState trace record.
type Reason uint8

// Transition reasons.
const (
	ReasonNone Reason = iota
	// ReasonStartup: the daemon started (INIT -> BACKUP or FAULT).
	ReasonStartup
	// ReasonMasterDownExpired: BACKUP heard no acceptable advert for
	// Master_Down_Interval (RFC 3768 section 6.4.2).
	ReasonMasterDownExpired
	// ReasonPriorityZero: BACKUP took over Skew_Time after the master sent
	// priority 0 (RFC 3768 section 6.4.2).
	ReasonPriorityZero
	// ReasonLowerPrioPreempt: BACKUP took over because it discarded the
	// adverts of a lower-priority master (preemption, RFC 3768 section 6.4.2).
	ReasonLowerPrioPreempt
	// ReasonAddressOwner: priority 255 with state MASTER took over at start.
	ReasonAddressOwner
	// ReasonPreempted: MASTER received a higher-priority advert (RFC 3768
	// section 6.4.3).
	ReasonPreempted
	// ReasonHigherIP: MASTER received an equal-priority advert from a higher
	// primary IP (RFC 3768 section 6.4.3).
	ReasonHigherIP
	// ReasonShutdown: graceful stop (SIGTERM).
	ReasonShutdown
	// ReasonCrash: the daemon or node died (Halt).
	ReasonCrash
	// ReasonInterfaceDown: the instance's own interface went down.
	ReasonInterfaceDown
	// ReasonFault: a tracked interface or script without weight failed.
	ReasonFault
	// ReasonFaultCleared: every fault cleared (keepalived try_up_instance).
	ReasonFaultCleared
	// ReasonSyncGroup: another member of the vrrp_sync_group moved.
	ReasonSyncGroup
)

var reasonNames = [...]string{
	"", "startup", "master_down_expired", "priority_zero_advert",
	"lower_priority_master", "address_owner", "higher_priority_advert",
	"equal_priority_higher_ip", "shutdown", "crash", "interface_down",
	"fault", "fault_cleared", "sync_group",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "?"
}

// Drop is a reason for not acting on a received advertisement; each has a
// counter and a sim.KindDrop trace record.
type Drop uint8

// Drop reasons, in the order keepalived checks them (vrrp.c
// vrrp_check_packet), after the VRID lookup and state check of
// vrrp_scheduler.c vrrp_dispatcher_read.
const (
	DropVRIDMismatch Drop = iota
	DropNotRunning        // instance in INIT or FAULT: adverts are ignored
	DropTTL               // IPv4 TTL not 255 (RFC 3768 section 7.1)
	DropVersionMismatch
	DropInvalidAuthType // v2 auth type not 0, 1 or 2
	DropAuthTypeMismatch
	DropAuthMismatch // v2 simple password differs
	DropIntervalMismatch
	DropInvalidType
	DropAddrListMismatch
	DropCastMismatch  // multicast advert on a unicast instance or the reverse
	DropLowerPriority // BACKUP discarding a lower-priority advert to preempt
	NumDrops          // number of drop reasons
)

var dropNames = [...]string{
	"vrid_mismatch", "not_running", "ttl_not_255", "version_mismatch",
	"invalid_auth_type", "auth_type_mismatch", "auth_mismatch",
	"interval_mismatch", "invalid_type", "addr_list_mismatch",
	"cast_mismatch", "lower_priority_discarded",
}

func (d Drop) String() string {
	if int(d) < len(dropNames) {
		return dropNames[d]
	}
	return "?"
}

// Counters are the per-instance statistics (keepalived vrrp_stats).
type Counters struct {
	AdvertsSent          uint64 // one per packet (per unicast peer)
	AdvertsReceived      uint64 // passed the header checks (keepalived advert_rcvd)
	PriorityZeroSent     uint64
	PriorityZeroReceived uint64
	BecameMaster         uint64
	ReleasedMaster       uint64
	GARPsSent            uint64
	Drops                [NumDrops]uint64 // indexed by Drop
}
