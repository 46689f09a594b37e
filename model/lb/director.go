package lb

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Director is an LVS director: its virtual services and connection table.
type Director struct {
	env   Env
	svcs  []*Service
	marks []MarkRule

	// conns is the table looked up by ip_vs_conn_in_get: (protocol,
	// client, virtual) of packets from clients.
	conns map[connKey]*Conn
	// outs is the table looked up by ip_vs_conn_out_get for replies:
	// (protocol, real server, client) for NAT, (protocol, real server,
	// local address) for FULLNAT, (protocol, VIP, client) for DR and TUN,
	// whose replies only cross the director when routed through it.
	outs map[connKey]*Conn
	// fullNAT: some service is FULLNAT, so a reply can come to a local
	// address and In must look in outs first. Services are never removed
	// and their kind never changes, so without one that lookup always
	// misses and is skipped (it cost a probe of a big table per packet).
	fullNAT bool
	// tmpls holds the persistence templates by their kernel key.
	tmpls map[tmplKey]*Conn
	// dead holds invalidated templates (ip_vs_check_template rehashes
	// them out of reach) until their timer frees them.
	dead map[*Conn]bool

	free  []*Conn // freed entries, reused with their timer
	live  int     // connection entries in the table
	nTmpl int     // templates alive (valid or invalidated)

	buf, inner []byte        // output packets are built here
	enc        *wire.Encoder // IPIP for TUN
	ipID       uint16        // outer IPv4 identification of TUN packets
	seq        uint64        // entries created, for stable listings
	stats      Stats

	sysctl Sysctls // net.ipv4.vs (sync.go)
	sync   *syncer // the connection sync daemon (sync.go), nil if never started
}

// Service is a virtual service of the director.
type Service struct {
	cfg   ServiceConfig
	name  string // display name, the trace's Comp
	svc   *sched.Service
	reals []*sched.Dest // every configured or added real, in config order
	trash []*sched.Dest // removed dests still referenced by entries (ip_vs_trash)
	sorry *sched.Dest   // in the list while no real server is
	lnext int           // FULLNAT: next local address of the pool
	lport uint16        // FULLNAT: next local port to try
	// expire is the periodic timer of lblc/lblcr's table
	// (ip_vs_lblc_check_expire, every CHECK_EXPIRE_INTERVAL).
	expire sim.Resettable
}

// Name returns the service's display name ("TCP 10.0.0.100:80").
func (s *Service) Name() string { return s.name }

// Config returns the service's configuration.
func (s *Service) Config() ServiceConfig { return s.cfg }

// Sched returns the service's destination list and scheduler, for
// reading: change it through the Director so the trace hears of it.
func (s *Service) Sched() *sched.Service { return s.svc }

// New builds a director with the given services. Reals are added in
// configuration order, as keepalived's init_service_rs (ipwrapper.c)
// walks vs->rs and ipvsadm -a run in order would: the kernel links each
// at the head of the list, so the last configured is tried first.
func New(cfgs []ServiceConfig, env Env) (*Director, error) {
	d := &Director{
		env:   env,
		conns: make(map[connKey]*Conn),
		outs:  make(map[connKey]*Conn),
		tmpls: make(map[tmplKey]*Conn),
		dead:  make(map[*Conn]bool),
		buf:   make([]byte, 0, 1600),
		inner: make([]byte, 0, 1600),
		enc:   wire.NewEncoder(),

		sysctl: DefaultSysctls(),
	}
	for i := range cfgs {
		if err := d.AddService(cfgs[i]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// AddService adds a virtual service (ipvsadm -A).
func (d *Director) AddService(cfg ServiceConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	name := cfg.DisplayName()
	if cfg.Name == "" {
		cfg.Name = name
	}
	for _, o := range d.svcs {
		if o.name == name || o.cfg.Name == cfg.Name {
			return fmt.Errorf("virtual server %s: defined twice", name)
		}
	}
	sc, err := sched.New(cfg.schedName(), d.env.Rand())
	if err != nil {
		return fmt.Errorf("virtual server %s: lb_algo: %w", name, err)
	}
	cfg.Reals = slices.Clone(cfg.Reals)
	cfg.LocalAddrs = slices.Clone(cfg.LocalAddrs)
	s := &Service{cfg: cfg, name: name, svc: sched.NewService(sc, cfg.Flags)}
	for _, r := range cfg.Reals {
		if err := d.addReal(s, r); err != nil {
			return err
		}
	}
	d.svcs = append(d.svcs, s)
	if cfg.Kind == KindFULLNAT {
		d.fullNAT = true
	}
	d.checkSorry(s)
	if ex, ok := sc.(sched.Expirer); ok {
		// ip_vs_lblc_init_svc arms the check CHECK_EXPIRE_INTERVAL after
		// the service is created; it re-arms itself every interval.
		s.expire = d.env.NewTimer(func() {
			ex.CheckExpire(time.Duration(d.env.Now()))
			s.expire.Reset(sched.ExpireInterval)
		})
		s.expire.Reset(sched.ExpireInterval)
	}
	return nil
}

func newDest(r RealConfig) *sched.Dest {
	return &sched.Dest{Name: r.Name, Addr: r.Addr, Weight: r.Weight, UThreshold: r.UThreshold, LThreshold: r.LThreshold}
}

// addReal links a real server at the head of the list. A dest still in
// the trash with the same address is taken back with its counters
// (ip_vs_add_dest -> ip_vs_trash_get_dest).
func (d *Director) addReal(s *Service, r RealConfig) error {
	var dst *sched.Dest
	for i, t := range s.trash {
		if t.Addr == r.Addr {
			dst = t
			s.trash = slices.Delete(s.trash, i, i+1)
			dst.Name, dst.Weight, dst.UThreshold, dst.LThreshold = r.Name, r.Weight, r.UThreshold, r.LThreshold
			break
		}
	}
	if dst == nil {
		dst = newDest(r)
	}
	if err := s.svc.Add(dst); err != nil {
		return fmt.Errorf("virtual server %s: real server %w", s.name, err)
	}
	if !slices.Contains(s.reals, dst) {
		s.reals = append(s.reals, dst)
	}
	d.traceDest(s, dst, "add")
	return nil
}

// checkSorry puts keepalived's sorry_server in the list when no real
// server is in it, and takes it out when one is back (ipwrapper.c
// perform_quorum_state with the default quorum 1; approximated as "at
// least one real server in the list").
func (d *Director) checkSorry(s *Service) {
	if s.cfg.Sorry == nil {
		return
	}
	reals := 0
	for _, x := range s.svc.Dests {
		if x != s.sorry {
			reals++
		}
	}
	switch {
	case reals == 0 && (s.sorry == nil || !s.sorry.Available):
		if s.sorry == nil {
			s.sorry = newDest(*s.cfg.Sorry)
		}
		if s.svc.Add(s.sorry) == nil {
			s.untrash(s.sorry)
			d.traceDest(s, s.sorry, "add")
		}
	case reals > 0 && s.sorry != nil && s.sorry.Available:
		d.unlink(s, s.sorry)
	}
}

func (d *Director) traceDest(s *Service, x *sched.Dest, why string) {
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: s.name, Event: "dest", To: x.Name, Reason: why, Value: int64(x.Weight)})
}

// Service returns the service whose name or display name is name.
func (d *Director) Service(name string) (*Service, bool) {
	for _, s := range d.svcs {
		if s.cfg.Name == name || s.name == name {
			return s, true
		}
	}
	return nil, false
}

func (d *Director) find(service, real string) (*Service, *sched.Dest, error) {
	s, ok := d.Service(service)
	if !ok {
		return nil, nil, fmt.Errorf("no virtual server %q", service)
	}
	x := s.svc.Find(real)
	if x == nil {
		return s, nil, fmt.Errorf("virtual server %s has no real server %q", s.name, real)
	}
	return s, x, nil
}

// SetWeight changes a real server's weight (ipvsadm -e,
// __ip_vs_update_dest). Weight 0 quiesces it: existing connections and
// persistence templates stay (expire_quiescent_template 0), new clients
// go elsewhere.
func (d *Director) SetWeight(service, real string, w int) error {
	if w < 0 || w > MaxWeight {
		return fmt.Errorf("real server %s: weight %d; valid: 0..%d", real, w, MaxWeight)
	}
	s, x, err := d.find(service, real)
	if err != nil {
		return err
	}
	s.svc.SetWeight(x, w)
	d.traceDest(s, x, "weight")
	return nil
}

// AddReal adds a real server at run time (ipvsadm -a).
func (d *Director) AddReal(service string, r RealConfig) error {
	s, ok := d.Service(service)
	if !ok {
		return fmt.Errorf("no virtual server %q", service)
	}
	if err := r.validate(s.name); err != nil {
		return err
	}
	if s.svc.Find(r.Name) != nil {
		return fmt.Errorf("virtual server %s: real server %s is already in the service", s.name, r.Name)
	}
	if err := d.addReal(s, r); err != nil {
		return err
	}
	d.checkSorry(s)
	return nil
}

// RemoveReal removes a real server (ipvsadm -d, __ip_vs_del_dest). Its
// connection entries keep it until they expire, but their packets are
// dropped (ip_vs_in: destination not available, expire_nodest_conn 0);
// its persistence templates are invalidated when next looked up
// (ip_vs_check_template).
func (d *Director) RemoveReal(service, real string) error {
	s, x, err := d.find(service, real)
	if err != nil {
		return err
	}
	d.unlink(s, x)
	d.checkSorry(s)
	return nil
}

func (d *Director) unlink(s *Service, x *sched.Dest) {
	s.svc.Remove(x)
	if x.Conns()+x.Persist > 0 {
		s.trash = append(s.trash, x)
	}
	d.traceDest(s, x, "remove")
}

// releaseDest drops a removed dest from the trash once nothing refers to
// it (ip_vs_dest_trash_expire).
func (s *Service) releaseDest(x *sched.Dest) {
	if x.Available || x.Conns()+x.Persist > 0 {
		return
	}
	s.untrash(x)
}

// untrash takes x out of the trash, if it is there.
func (s *Service) untrash(x *sched.Dest) {
	if i := slices.Index(s.trash, x); i >= 0 {
		s.trash = slices.Delete(s.trash, i, i+1)
	}
}

// AddMarkRule adds a firewall marking rule (iptables mangle PREROUTING).
func (d *Director) AddMarkRule(r MarkRule) { d.marks = append(d.marks, r) }

// Flush empties the connection table at once, as a crash does: every
// entry and template is gone, the counters drop to zero, no trace of
// the individual entries. The services and their real servers stay.
func (d *Director) Flush() {
	drop := func(c *Conn) {
		c.timer.Stop()
		d.release(c)
	}
	for _, c := range d.sortedEntries() {
		drop(c)
	}
	clear(d.conns)
	clear(d.outs)
	clear(d.tmpls)
	clear(d.dead)
	d.live, d.nTmpl = 0, 0
	d.syncFlush()
	for _, s := range d.svcs {
		for _, x := range s.reals {
			x.Active, x.Inactive, x.Persist, x.Overloaded = 0, 0, 0, false
		}
		if s.sorry != nil {
			s.sorry.Active, s.sorry.Inactive, s.sorry.Persist, s.sorry.Overloaded = 0, 0, 0, false
		}
		s.trash = s.trash[:0]
	}
}

// Stats returns the packet counters.
func (d *Director) Stats() Stats { return d.stats }

// Len returns the number of connection entries and of persistence
// templates alive (what ipvsadm -Lc lists).
func (d *Director) Len() (conns, templates int) { return d.live, d.nTmpl }

// DestInfo is a real server as ipvsadm -L shows it.
type DestInfo struct {
	Name       string
	Addr       netip.AddrPort
	Weight     int
	Active     int
	Inactive   int
	Persist    int
	Overloaded bool
	Sorry      bool
}

// ServiceInfo is a virtual service as ipvsadm -L shows it: destinations
// in the kernel's list order (newest first).
type ServiceInfo struct {
	Name    string // display name ("TCP 10.0.0.100:80")
	Label   string // ServiceConfig.Name (the display name if none)
	Proto   uint8
	VIP     netip.AddrPort // invalid for a fwmark service
	FWMark  uint32
	Sched   string
	Kind    Kind
	Persist time.Duration
	Dests   []DestInfo
}

// Services returns every service, in configuration order.
func (d *Director) Services() []ServiceInfo {
	out := make([]ServiceInfo, 0, len(d.svcs))
	for _, s := range d.svcs {
		si := ServiceInfo{Name: s.name, Label: s.cfg.Name, Proto: s.cfg.Proto, VIP: s.cfg.VIP, FWMark: s.cfg.FWMark,
			Sched: s.svc.Scheduler().Name(), Kind: s.cfg.Kind, Persist: s.cfg.PersistenceTimeout}
		for _, x := range s.svc.Dests {
			si.Dests = append(si.Dests, DestInfo{Name: x.Name, Addr: x.Addr, Weight: x.Weight, Active: x.Active,
				Inactive: x.Inactive, Persist: x.Persist, Overloaded: x.Overloaded, Sorry: x == s.sorry})
		}
		out = append(out, si)
	}
	return out
}

// ConnInfo is a connection entry or template as ipvsadm -Lc shows it.
type ConnInfo struct {
	Service  string
	Proto    uint8 // 0 for a fwmark template (IPPROTO_IP)
	Client   netip.AddrPort
	Virtual  netip.AddrPort
	Real     netip.AddrPort
	Local    netip.AddrPort // FULLNAT only
	Dest     string
	State    State
	Template bool
	Left     time.Duration // time until the entry's timer fires
}

// Conns returns the live entries and templates, sorted by service,
// client, virtual address and kind, so the view never depends on map
// order.
func (d *Director) Conns() []ConnInfo {
	now := d.env.Now()
	es := d.sortedEntries()
	out := make([]ConnInfo, 0, len(es))
	for _, c := range es {
		out = append(out, ConnInfo{Service: c.svc.name, Proto: c.proto, Client: c.client, Virtual: c.vaddr,
			Real: c.real, Local: c.local, Dest: c.dest.Name, State: c.state, Template: c.template,
			Left: max(0, c.expires.Sub(now))})
	}
	return out
}

// sortedEntries lists every live entry and template (invalidated ones
// included) in a fixed order.
func (d *Director) sortedEntries() []*Conn {
	var es []*Conn
	for _, c := range d.conns {
		es = append(es, c)
	}
	for _, c := range d.tmpls {
		es = append(es, c)
	}
	for c := range d.dead {
		es = append(es, c)
	}
	slices.SortFunc(es, func(a, b *Conn) int {
		return cmp.Or(
			cmp.Compare(d.svcIndex(a.svc), d.svcIndex(b.svc)),
			a.client.Compare(b.client),
			a.vaddr.Compare(b.vaddr),
			boolCmp(a.template, b.template),
			cmp.Compare(a.seq, b.seq),
		)
	})
	return es
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func (d *Director) svcIndex(s *Service) int { return slices.Index(d.svcs, s) }
