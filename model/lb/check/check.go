// Package check runs keepalived 2.2.7's health checkers (TCP_CHECK,
// HTTP_GET, SSL_GET, MISC_CHECK) against a virtual service's real
// servers and applies their verdicts to the IPVS table as keepalived's
// ipwrapper.c does: remove a failed real server (or set its weight to 0
// with inhibit_on_failure), alpha, omega, quorum with hysteresis and the
// sorry server.
//
// keepalived (acassen/keepalived, keepalived/check/) is the reference;
// each rule names the function it follows. docs/checks.md derives the
// timings. A Service is a plain state machine driven through Env: the
// probes are real TCP connections the node glue opens, the timers are
// the simulation's, and "add/remove/re-weight this real server" is the
// glue's call onto the director. MISC_CHECK never runs a script: its
// result is set from outside (SetMisc), as vrrp_script's is.
package check

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// keepalived's defaults (check_data.c alloc_vs, check_api.c
// queue_checker, check_http.c http_get_handler, check_misc.c
// misc_check_handler, scheduler.h).
const (
	DefaultDelayLoop      = 60 * time.Second // KEEPALIVED_DEFAULT_DELAY
	DefaultConnectTimeout = 5 * time.Second  // alloc_vs: connection_to
	// BootstrapDelay is added to every checker's first run
	// (register_checkers_thread: BOOTSTRAP_DELAY, one TIMER_HZ).
	BootstrapDelay = time.Second
	// TLSRoundTrips is SSL_GET's handshake, modelled as round trips
	// before the request (a TLS 1.2 full handshake takes two).
	TLSRoundTrips = 2
)

// Kind is a checker type, by its keepalived keyword.
type Kind uint8

// Checker kinds.
const (
	KindTCP  Kind = iota // TCP_CHECK
	KindHTTP             // HTTP_GET
	KindSSL              // SSL_GET
	KindMisc             // MISC_CHECK
)

var kindNames = [...]string{"TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK"}

func (k Kind) String() string { return enumName(kindNames[:], int(k)) }

// enumName names value i of an enumeration, "?" when out of range.
func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return "?"
}

// defaultRetry and defaultDelayBeforeRetry are a checker's own defaults
// (queue_checker: retry 1, delay_before_retry 1 s; http_get_handler:
// 3 s; misc_check_handler: retry 0).
func (k Kind) defaultRetry() int {
	if k == KindMisc {
		return 0
	}
	return 1
}

// http reports whether the checker runs check_http.c (HTTP_GET, SSL_GET).
func (k Kind) http() bool { return k == KindHTTP || k == KindSSL }

func (k Kind) defaultDelayBeforeRetry() time.Duration {
	if k.http() {
		return 3 * time.Second
	}
	return time.Second
}

// Opt is a setting that may be left unset, so that it is inherited
// (keepalived marks unset values with UINT_MAX/ULONG_MAX/-1).
type Opt[T any] struct {
	V   T
	Set bool
}

// Some is a set value.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Set: true} }

// Or is the value, or d when unset.
func (o Opt[T]) Or(d T) T {
	if o.Set {
		return o.V
	}
	return d
}

// orOpt is o, or p when o is unset.
func (o Opt[T]) orOpt(p Opt[T]) Opt[T] {
	if o.Set {
		return o
	}
	return p
}

// Timing holds the settings a checker inherits from its real server and
// the real server from its virtual server (validate_check_config).
type Timing struct {
	DelayLoop        Opt[time.Duration]
	ConnectTimeout   Opt[time.Duration]
	Retry            Opt[int] // alias nb_get_retry
	DelayBeforeRetry Opt[time.Duration]
	Warmup           Opt[time.Duration]
	Alpha            Opt[bool]
}

// under fills t's unset settings from the level above.
func (t Timing) under(p Timing) Timing {
	return Timing{
		DelayLoop:        t.DelayLoop.orOpt(p.DelayLoop),
		ConnectTimeout:   t.ConnectTimeout.orOpt(p.ConnectTimeout),
		Retry:            t.Retry.orOpt(p.Retry),
		DelayBeforeRetry: t.DelayBeforeRetry.orOpt(p.DelayBeforeRetry),
		Warmup:           t.Warmup.orOpt(p.Warmup),
		Alpha:            t.Alpha.orOpt(p.Alpha),
	}
}

// StatusRange is an HTTP status_code entry, "200" or "200-299".
type StatusRange struct{ Min, Max int }

// URL is an HTTP_GET/SSL_GET url block.
type URL struct {
	Path       string
	StatusCode []StatusRange // empty: 200-299 (url_check)
	Digest     [16]byte      // MD5 of the body, with HasDigest
	HasDigest  bool
}

// accepts reports whether status passes (http_handle_response).
func (u URL) accepts(status int) bool {
	if len(u.StatusCode) == 0 {
		return status >= 200 && status <= 299
	}
	for _, r := range u.StatusCode {
		if status >= r.Min && status <= r.Max {
			return true
		}
	}
	return false
}

// CheckerConfig is one checker block inside a real_server.
type CheckerConfig struct {
	Kind Kind
	Timing
	ConnectIP    netip.Addr // default: the real server's address
	ConnectPort  uint16     // default: the real server's port
	BindTo       netip.Addr // default: the director's routing picks
	URLs         []URL      // HTTP_GET, SSL_GET
	Virtualhost  string     // the Host header
	FastRecovery bool       // HTTP_GET: no delay while recovering (epilog)
	MiscOK       bool       // MISC_CHECK: the script's result until SetMisc
	// MiscDynamic is misc_dynamic: an exit status of 2..255 is a success
	// that sets the real server's weight to status-2.
	MiscDynamic bool
}

// RealConfig is a real_server block.
type RealConfig struct {
	Name    string // as reports name it (the node holding Addr)
	Addr    netip.AddrPort
	Weight  int       // 0..65535 (the loader's default is 1)
	Inhibit Opt[bool] // inhibit_on_failure; default the virtual server's
	Timing
	Checkers []CheckerConfig
}

// name is the real server's Name, or its address without one.
func (c RealConfig) name() string {
	if c.Name == "" {
		return c.Addr.String()
	}
	return c.Name
}

// SorryConfig is sorry_server (with sorry_server_inhibit).
type SorryConfig struct {
	Addr    netip.AddrPort
	Weight  int
	Inhibit bool
}

// ServiceConfig is a virtual_server block's health-checking part.
type ServiceConfig struct {
	Name    string // "TCP 10.0.0.100:80"
	Timing         // delay_loop default 60 s, connect_timeout 5 s
	Inhibit bool   // inhibit_on_failure for every real server
	// Quorum is the weight of live real servers the service needs
	// (default 1); Hysteresis widens it both ways.
	Quorum, Hysteresis   int
	QuorumUp, QuorumDown string // notify commands, traced, never run
	Omega                bool
	Sorry                *SorryConfig
	Reals                []RealConfig
}

// Validate checks what keepalived's parser refuses.
func (c ServiceConfig) Validate() error {
	if c.Quorum < 0 || c.Hysteresis < 0 {
		return fmt.Errorf("virtual_server %s: quorum %d, hysteresis %d; valid: quorum >= 1, hysteresis >= 0", c.Name, c.Quorum, c.Hysteresis)
	}
	bad := func(t Timing, what string) error {
		for _, d := range []Opt[time.Duration]{t.DelayLoop, t.ConnectTimeout, t.DelayBeforeRetry, t.Warmup} {
			if d.Set && d.V < 0 {
				return fmt.Errorf("%s: negative time %v", what, d.V)
			}
		}
		if t.DelayLoop.Set && t.DelayLoop.V < time.Microsecond {
			return fmt.Errorf("%s: delay_loop %v; valid: at least 1us (read_timer minimum)", what, t.DelayLoop.V)
		}
		if t.ConnectTimeout.Set && t.ConnectTimeout.V < time.Microsecond {
			return fmt.Errorf("%s: connect_timeout %v; valid: at least 1us", what, t.ConnectTimeout.V)
		}
		if t.Retry.Set && t.Retry.V < 0 {
			return fmt.Errorf("%s: retry %d; valid: 0 or more", what, t.Retry.V)
		}
		return nil
	}
	if err := bad(c.Timing, "virtual_server "+c.Name); err != nil {
		return err
	}
	for _, r := range c.Reals {
		what := "real_server " + r.Addr.String()
		if r.Weight < 0 || r.Weight > 65535 {
			return fmt.Errorf("%s: weight %d; valid: 0..65535", what, r.Weight)
		}
		if err := bad(r.Timing, what); err != nil {
			return err
		}
		for _, ck := range r.Checkers {
			w := what + " " + ck.Kind.String()
			if err := bad(ck.Timing, w); err != nil {
				return err
			}
			if ck.Kind.http() && len(ck.URLs) == 0 {
				return fmt.Errorf("%s: no url; valid: url: [{path: /, status_code: 200}]", w)
			}
			for _, u := range ck.URLs {
				if u.Path == "" {
					return fmt.Errorf("%s: url without a path", w)
				}
				for _, s := range u.StatusCode {
					if s.Min < 100 || s.Max > 599 || s.Min > s.Max {
						return fmt.Errorf("%s: status_code %d-%d; valid: 100..599, low before high", w, s.Min, s.Max)
					}
				}
			}
		}
	}
	return nil
}

// Cmd is an IPVS command keepalived sends (ipvs_cmd).
type Cmd uint8

// IPVS commands on a destination.
const (
	CmdAdd  Cmd = iota // ipvsadm -a
	CmdDel             // ipvsadm -d
	CmdEdit            // ipvsadm -e (a new weight)
)

var cmdNames = [...]string{"add", "remove", "weight"}

func (c Cmd) String() string { return enumName(cmdNames[:], int(c)) }

// Outcome is how a probe ended.
type Outcome uint8

// Probe outcomes.
const (
	ProbeOK      Outcome = iota // connected; for HTTP a response read to its end
	ProbeRefused                // RST to the SYN
	ProbeTimeout                // connect_timeout passed
	ProbeReset                  // RST later
	ProbeNoRoute                // connect() failed at once
)

var outcomeNames = [...]string{"ok", "refused", "timeout", "reset", "no_route"}

func (o Outcome) String() string { return enumName(outcomeNames[:], int(o)) }

// ProbeRequest is one probe a checker asks the host to make.
type ProbeRequest struct {
	Checker       string // for traces
	From          netip.Addr
	To            netip.AddrPort
	Timeout       time.Duration
	HTTP          bool
	Path, Host    string
	TLSRoundTrips int
	Digest        bool
}

// ProbeResult is what a probe learned.
type ProbeResult struct {
	Outcome Outcome
	Status  int
	Digest  [16]byte
}

// Env is what a Service needs of its director.
type Env interface {
	Now() sim.Time
	// NewTimer returns a stopped timer that calls fn when it fires.
	NewTimer(fn func()) sim.Resettable
	// Stream is the named random stream (warmup), stable for a seed.
	Stream(name string) *rand.Rand
	// Probe starts a probe now; done is called once, later (never from
	// within Probe). cancel abandons it without a call.
	Probe(req ProbeRequest, done func(ProbeResult)) (cancel func())
	// IPVS applies a command to real server rs of the service.
	IPVS(cmd Cmd, rs netip.AddrPort, weight int)
	// Trace emits a record (the host fills in Node).
	Trace(r sim.Record)
}
