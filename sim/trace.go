package sim

import "net/netip"

// Kind says what a trace record describes.
type Kind uint8

// Trace record kinds. Reports, pcaps and the text trace consume these and
// never reach into the models.
const (
	// KindFrame: a frame entered a segment. Node = segment, Comp = sending
	// port ("r1/eth0"), Frame = the bytes (valid only during the callback),
	// Value = the port's number on the segment, from 1 (0: not known).
	KindFrame Kind = iota + 1
	// KindState: a VRRP instance changed state. Node, Comp = instance name,
	// From/To = state names, Reason, Value = effective priority,
	// Value2 = VRID, Addr = primary IP.
	KindState
	// KindAdvert: a VRRP instance sent an advertisement (Event "" or
	// "tx"; Addr = its primary IP) or, as backup, accepted one and restarted
	// its Master_Down_Timer from it (Event "rx"; Addr = the sender). Node,
	// Comp = instance, Value = advertised priority, Value2 = VRID.
	KindAdvert
	// KindAction: a scenario timeline action was applied. Event = its text
	// ("crash r1"), Node = main target, Comp = action verb.
	KindAction
	// KindNeigh: a neighbour cache entry changed. Node = host, Comp =
	// interface, Addr = neighbour IP, MAC = its link address (zero if none),
	// From/To = neighbour states, Reason.
	KindNeigh
	// KindFDB: a switch learned, moved or aged out a MAC. Node = segment,
	// MAC, From/To = old/new port name ("" if none), Reason.
	KindFDB
	// KindFlow: a traffic source event. Node = host, Comp = flow name,
	// Event = "sent", "received" or "lost", Value = sequence number,
	// Value2 = the flow's number in the run (Kernel.Serial; 0: none), a
	// key that saves consumers hashing two names per packet.
	KindFlow
	// KindDrop: something was dropped or rejected. Node, Comp, Reason =
	// the counter name (e.g. "vrrp_auth_mismatch"). Value > 0 makes the
	// record a tally of Value drops (counted without a record each, e.g.
	// the segments' unknown-VRID drops, traced at the end of a run).
	KindDrop
	// KindNote: anything else worth a line in the trace (node crashed,
	// link down, GARP burst...). Node, Comp, Event, Reason. A health
	// checker's note (Comp "check/SERVICE/REAL") also names the virtual
	// service in From and the real server in To, with Value = the weight
	// of an ipvs_* event and Value2 = 1 for the sorry server
	// (reports/health.go reads these).
	KindNote
	// KindConn: a client connection (a TCP connection opened by a traffic
	// source) ended. Node = client host, Comp = flow name, Event = outcome
	// ("ok", "refused", "reset", "timeout"), To = the real server that
	// answered (from its response; "" if none), Addr = the address the
	// client connected to, Value = latency in ns (first SYN to the end of
	// the response, or to the failure), Value2 = the client's source port,
	// Reason = detail of a failure ("syn_timeout", "rst_in_syn_sent", ...).
	KindConn
	// KindIPVS: the LVS director's connection table or service changed.
	// Node = director, Comp = virtual service ("TCP 10.0.0.100:80" or
	// "FWM 1"), Event = "new" (a connection was scheduled: To = real
	// server name, Addr = client IP, Value = client port, Value2 = 1 if a
	// persistence template chose it), "nodest" (no destination could take
	// it: Addr, Value as for new), "state" (Addr, Value as for new, From/To =
	// IPVS TCP states), "expire" (a connection entry was freed: To = real
	// server, Addr, Value), "dest" (a real server was added, removed or
	// re-weighted: To = its name, Event detail in Reason "add", "remove",
	// "weight", Value = new weight), "template" (a persistence template was
	// created or expired: To, Addr = masked client, Reason).
	KindIPVS
	// KindServe: a real server's TCP service handled a connection. Node =
	// server, Comp = service ("tcp/80"), Event = "accept", "served" or
	// "refused", Addr = client IP, Value = client port. Also Event "vip":
	// a plain (not IPIP) frame arrived for a virtual IP the server holds on
	// lo/tunl0 (Comp = interface, Addr = packet source, MAC = frame
	// source): from a DR director, or a bypass when MAC is not a
	// director's.
	KindServe
	// KindDeliver: a segment handed a frame to the interface behind one of
	// its ports. Node = segment, Comp = the receiving port ("r2/eth0"),
	// Frame = the bytes. Traced only by segments whose delivery tracing
	// is on (lan.Segment.TraceDeliveries: a pcapng with one interface per
	// node interface shows who saw what), so other runs pay nothing.
	KindDeliver
	// KindProxy: an nginx proxy (model/proxy) handled a request. Node =
	// proxy, Comp = "nginx", Addr = client IP, Value2 = client port
	// unless said. Event "server": at start, one per upstream server To
	// (Value = weight, Reason "backup" or "down", From = the upstream's
	// name; no client); "try": a try of upstream To began (Value =
	// worker, Reason "retry" after a failed try); "next": the try of To
	// failed (Reason = error, timeout, invalid_header, http_502...,
	// Value = how long the try took in ns); "retried": the request is
	// answered after failed tries (Value = the time they took, ns);
	// "response": the client got status Value (To = the upstream that
	// answered, "" for nginx's own error page; Reason =
	// "no_live_upstreams", "tries", "next_upstream_timeout",
	// "not_in_proxy_next_upstream", or "" for an upstream's response;
	// Value2 = ns since the request arrived); "failed": upstream To was
	// taken out by max_fails (Value = fails, Value2 = fail_timeout in
	// ns); "probe": To, out until now, got a request again after
	// fail_timeout; "recovered": To answered a probe and its failures
	// were cleared.
	KindProxy
)

var kindNames = [...]string{"?", "frame", "state", "advert", "action", "neigh", "fdb", "flow", "drop", "note", "conn", "ipvs", "serve", "deliver", "proxy"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

// Record is one typed trace record. Which fields are meaningful depends on
// Kind (see the constants); unused fields stay zero.
type Record struct {
	At     Time
	Kind   Kind
	Node   string
	Comp   string
	Event  string
	From   string
	To     string
	Reason string
	Addr   netip.Addr
	MAC    [6]byte
	Value  int64
	Value2 int64
	Frame  []byte
}

// Tracer receives every record of a run, in order. A tracer that keeps
// r.Frame must copy it.
type Tracer func(r *Record)

// AddTracer adds a consumer of trace records.
func (k *Kernel) AddTracer(t Tracer) { k.tracers = append(k.tracers, t) }

// Tracing reports whether anyone listens, so models can skip building records.
func (k *Kernel) Tracing() bool { return len(k.tracers) > 0 }

// Trace stamps r with the current virtual time and hands it to every tracer.
// The record lives in the kernel (handing &r to unknown tracers would move
// every record to the heap); tracers get it for the call only and must not
// call Trace themselves.
func (k *Kernel) Trace(r Record) {
	if len(k.tracers) == 0 {
		return
	}
	k.rec = r
	k.Emit()
}

// Record returns the kernel's record, cleared but for its kind, for the
// caller to fill and hand to Emit: Trace with the record built in place,
// for the paths that trace every packet (a Record is 200 bytes, and Trace
// copies it twice). Only while Tracing; nothing may trace in between.
func (k *Kernel) Record(kind Kind) *Record {
	k.rec = Record{Kind: kind}
	return &k.rec
}

// Emit stamps the record Record returned with the current virtual time
// and hands it to every tracer.
func (k *Kernel) Emit() {
	k.rec.At = k.now
	for _, t := range k.tracers {
		t(&k.rec)
	}
	k.rec.Frame = nil // keep no frame alive (clearing the whole record cost a store of its 200 bytes per record)
}
