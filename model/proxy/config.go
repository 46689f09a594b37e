package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
)

// Defaults of ngx_http_proxy_module (ngx_http_proxy_merge_loc_conf).
const (
	DefaultConnectTimeout = 60 * time.Second // proxy_connect_timeout
	DefaultReadTimeout    = 60 * time.Second // proxy_read_timeout
	DefaultUpstreamName   = "backend"        // the upstream block's name: $proxy_host
	MaxWorkers            = 64

	// The upstream keepalive directive's companions
	// (ngx_http_upstream_keepalive_module.c, 1.19.10+ defaults).
	DefaultKeepaliveTimeout  = 60 * time.Second // keepalive_timeout in the upstream
	DefaultKeepaliveRequests = 1000             // keepalive_requests in the upstream
)

// NextUpstream is the proxy_next_upstream bitmask
// (NGX_HTTP_UPSTREAM_FT_*): in which cases a request is passed to the
// next server.
type NextUpstream uint32

// The proxy_next_upstream flags. The zero value of Config.NextUpstream
// means nginx's default, error timeout.
const (
	NextError NextUpstream = 1 << iota
	NextTimeout
	NextInvalidHeader
	Next500
	Next502
	Next503
	Next504
	Next403
	Next404
	Next429
	NextNonIdempotent
	NextOff

	DefaultNextUpstream = NextError | NextTimeout
)

// nextNames are proxy_next_upstream's words (ngx_http_proxy_next_upstream_masks).
var nextNames = []struct {
	name string
	bit  NextUpstream
}{
	{"error", NextError}, {"timeout", NextTimeout}, {"invalid_header", NextInvalidHeader},
	{"http_500", Next500}, {"http_502", Next502}, {"http_503", Next503}, {"http_504", Next504},
	{"http_403", Next403}, {"http_404", Next404}, {"http_429", Next429},
	{"non_idempotent", NextNonIdempotent}, {"off", NextOff},
}

// NextUpstreamWords lists the valid proxy_next_upstream words.
func NextUpstreamWords() []string {
	out := make([]string, len(nextNames))
	for i, n := range nextNames {
		out[i] = n.name
	}
	return out
}

// ParseNextUpstream reads proxy_next_upstream's words. `off` wins over
// everything else, as ngx_http_proxy_merge_loc_conf makes it.
func ParseNextUpstream(words []string) (NextUpstream, error) {
	var m NextUpstream
	for _, w := range words {
		found := false
		for _, n := range nextNames {
			if n.name == w {
				m |= n.bit
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("invalid value %q in proxy_next_upstream; valid: %s", w, strings.Join(NextUpstreamWords(), ", "))
		}
	}
	if m&NextOff != 0 {
		m = NextOff
	}
	return m, nil
}

func (m NextUpstream) String() string {
	var w []string
	for _, n := range nextNames {
		if m&n.bit != 0 {
			w = append(w, n.name)
		}
	}
	return strings.Join(w, " ")
}

// Config is one nginx: a server block with listen and proxy_pass to one
// upstream block, and the worker processes.
type Config struct {
	Listen netip.AddrPort // listen ADDR:PORT
	// Workers is worker_processes; 0 means 1. Each worker keeps its own
	// upstream state unless Zone is set.
	Workers int
	// Name is the upstream block's name (proxy_pass http://NAME), sent as
	// the Host header; "" means DefaultUpstreamName.
	Name    string
	Method  upstream.Method
	HashKey string // hash KEY: nginx variables $request_uri, $uri, $remote_addr, $remote_port, $host
	// Zone is `zone NAME SIZE`: one upstream state in shared memory for
	// all workers.
	Zone    bool
	Servers []upstream.Server
	// Keepalive is the upstream's `keepalive N`: each worker keeps up to
	// N idle upstream connections (least recently used closed first),
	// and requests go as HTTP/1.1 without Connection: close
	// (proxy_http_version 1.1; proxy_set_header Connection "", as the
	// directive needs). 0: a new HTTP/1.0 connection per try.
	Keepalive         int
	KeepaliveTimeout  time.Duration // 0: DefaultKeepaliveTimeout
	KeepaliveRequests int           // 0: DefaultKeepaliveRequests

	ConnectTimeout      time.Duration // 0: DefaultConnectTimeout
	ReadTimeout         time.Duration // 0: DefaultReadTimeout
	NextUpstream        NextUpstream  // 0: DefaultNextUpstream
	NextUpstreamTries   int           // 0: unlimited
	NextUpstreamTimeout time.Duration // 0: unlimited
}

// withDefaults returns c with nginx's defaults filled in.
func (c Config) withDefaults() Config {
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.Name == "" {
		c.Name = DefaultUpstreamName
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.NextUpstream == 0 {
		c.NextUpstream = DefaultNextUpstream
	}
	if c.KeepaliveTimeout == 0 {
		c.KeepaliveTimeout = DefaultKeepaliveTimeout
	}
	if c.KeepaliveRequests == 0 {
		c.KeepaliveRequests = DefaultKeepaliveRequests
	}
	return c
}

// Validate checks what nginx -t would refuse, and what the simulation
// needs (every server an IPv4 ADDR:PORT).
func (c Config) Validate() error {
	switch {
	case !c.Listen.Addr().Is4() || c.Listen.Port() == 0:
		return fmt.Errorf("nginx: listen %v; valid: an IPv4 ADDR:PORT", c.Listen)
	case c.Workers < 0 || c.Workers > MaxWorkers:
		return fmt.Errorf("nginx: worker_processes %d; valid: 1..%d", c.Workers, MaxWorkers)
	case c.ConnectTimeout < 0 || c.ReadTimeout < 0 || c.NextUpstreamTimeout < 0:
		return errors.New("nginx: negative timeout")
	case c.Keepalive < 0 || c.KeepaliveTimeout < 0 || c.KeepaliveRequests < 0:
		return fmt.Errorf("nginx: keepalive %d, keepalive_timeout %v, keepalive_requests %d; valid: 0 or more", c.Keepalive, c.KeepaliveTimeout, c.KeepaliveRequests)
	case c.NextUpstreamTries < 0:
		return fmt.Errorf("nginx: proxy_next_upstream_tries %d; valid: 0 (unlimited) or more", c.NextUpstreamTries)
	case (c.Method == upstream.Hash || c.Method == upstream.HashConsistent) && c.HashKey == "":
		return errors.New("nginx: hash needs a key")
	}
	if err := checkKey(c.HashKey); err != nil {
		return err
	}
	if _, err := upstream.New(c.Method, c.Servers, zeroRand{}); err != nil {
		return fmt.Errorf("nginx: %w", err)
	}
	for _, s := range c.Servers {
		if _, err := serverAddr(s.Addr); err != nil {
			return fmt.Errorf("nginx: server %q: %w", s.Addr, err)
		}
	}
	return nil
}

type zeroRand struct{}

func (zeroRand) Uint32() uint32 { return 0 }

// serverAddr is where a server line connects: ADDR:PORT, or ADDR with
// port 80 (ngx_parse_url's default port).
func serverAddr(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Is4() {
		return ap, nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return netip.AddrPortFrom(a, 80), nil
	}
	return netip.AddrPort{}, errors.New("not an IPv4 ADDR[:PORT] (names are not resolved)")
}

// ParseServer reads a server line of an upstream block, "ADDR
// [weight=N] [max_fails=N] [fail_timeout=T] [max_conns=N] [backup]
// [down]", as ngx_http_upstream_server does.
func ParseServer(line string) (upstream.Server, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return upstream.Server{}, errors.New("empty server line")
	}
	s := upstream.Server{Addr: f[0]}
	if _, err := serverAddr(s.Addr); err != nil {
		return s, fmt.Errorf("server %q: %w", s.Addr, err)
	}
	for _, p := range f[1:] {
		name, val, hasVal := strings.Cut(p, "=")
		var err error
		switch {
		case name == "backup" && !hasVal:
			s.Backup = true
		case name == "down" && !hasVal:
			s.Down = true
		case name == "weight" && hasVal:
			s.Weight, err = atoiMin(val, 1)
		case name == "max_fails" && hasVal:
			s.MaxFails, err = atoiMin(val, 0)
			if err == nil && s.MaxFails == 0 {
				s.MaxFails = upstream.MaxFailsOff
			}
		case name == "max_conns" && hasVal:
			s.MaxConns, err = atoiMin(val, 0)
		case name == "fail_timeout" && hasVal:
			s.FailTimeout, err = ParseTime(val, true)
			if err == nil && s.FailTimeout == 0 {
				err = errors.New("zero")
			}
		default:
			return s, fmt.Errorf("server %s: invalid parameter %q; valid: weight=N max_fails=N fail_timeout=T max_conns=N backup down", s.Addr, p)
		}
		if err != nil {
			return s, fmt.Errorf("server %s: invalid parameter %q", s.Addr, p)
		}
	}
	return s, nil
}

func atoiMin(s string, lo int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > 1<<20 {
		return 0, errors.New("bad number")
	}
	return n, nil
}

// ParseTime reads an nginx time ("10s", "1m", "500ms", "30": seconds),
// as ngx_parse_time does; sec is its is_sec: milliseconds refused.
func ParseTime(s string, sec bool) (time.Duration, error) {
	units := []struct {
		suf string
		d   time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			return 0, fmt.Errorf("invalid time %q", s)
		}
		n, _ := strconv.Atoi(rest[:i])
		rest = rest[i:]
		unit := time.Second
		for _, u := range units {
			if strings.HasPrefix(rest, u.suf) && (u.suf != "m" || !strings.HasPrefix(rest, "ms")) {
				unit = u.d
				rest = rest[len(u.suf):]
				break
			}
		}
		if sec && unit == time.Millisecond {
			return 0, fmt.Errorf("invalid time %q: whole seconds", s)
		}
		total += time.Duration(n) * unit
	}
	if s == "" {
		return 0, errors.New("empty time")
	}
	return total, nil
}

// ParseMethod reads the balancing method directive of an upstream
// block: "" (round robin), "least_conn", "ip_hash", "hash KEY
// [consistent]", "random [two [least_conn]]". It returns the key of
// hash.
func ParseMethod(s string) (upstream.Method, string, error) {
	f := strings.Fields(s)
	bad := fmt.Errorf("unknown balancing method %q; valid: round_robin, least_conn, ip_hash, hash KEY [consistent], random [two [least_conn]]", s)
	if len(f) == 0 {
		return upstream.RoundRobin, "", nil
	}
	switch {
	case len(f) == 1 && f[0] == "round_robin":
		return upstream.RoundRobin, "", nil
	case len(f) == 1 && f[0] == "least_conn":
		return upstream.LeastConn, "", nil
	case len(f) == 1 && f[0] == "ip_hash":
		return upstream.IPHash, "", nil
	case f[0] == "hash" && len(f) == 2:
		return upstream.Hash, f[1], checkKey(f[1])
	case f[0] == "hash" && len(f) == 3 && f[2] == "consistent":
		return upstream.HashConsistent, f[1], checkKey(f[1])
	case len(f) == 1 && f[0] == "random":
		return upstream.Random, "", nil
	case f[0] == "random" && (len(f) == 2 && f[1] == "two" || len(f) == 3 && f[1] == "two" && f[2] == "least_conn"):
		return upstream.RandomTwo, "", nil
	}
	return 0, "", bad
}

// keyVars are the nginx variables a hash key may use here.
var keyVars = []string{"$request_uri", "$remote_addr", "$remote_port", "$host", "$uri"}

// checkKey refuses a variable the simulation does not know.
func checkKey(k string) error {
	for i := strings.IndexByte(k, '$'); i >= 0; i = strings.IndexByte(k, '$') {
		k = k[i:]
		ok := false
		for _, v := range keyVars {
			if strings.HasPrefix(k, v) {
				k, ok = k[len(v):], true
				break
			}
		}
		if !ok {
			return fmt.Errorf("hash key: unknown variable in %q; valid: %s", k, strings.Join(keyVars, ", "))
		}
	}
	return nil
}

// expandKey evaluates the hash key for one request (the complex value
// of ngx_http_upstream_hash).
func expandKey(dst []byte, k string, uri, host []byte, client netip.AddrPort) []byte {
	for k != "" {
		i := strings.IndexByte(k, '$')
		if i < 0 {
			return append(dst, k...)
		}
		dst = append(dst, k[:i]...)
		k = k[i:]
		switch {
		case strings.HasPrefix(k, "$request_uri"):
			dst, k = append(dst, uri...), k[len("$request_uri"):]
		case strings.HasPrefix(k, "$remote_addr"):
			dst, k = client.Addr().AppendTo(dst), k[len("$remote_addr"):]
		case strings.HasPrefix(k, "$remote_port"):
			dst, k = strconv.AppendUint(dst, uint64(client.Port()), 10), k[len("$remote_port"):]
		case strings.HasPrefix(k, "$host"):
			dst, k = append(dst, host...), k[len("$host"):]
		case strings.HasPrefix(k, "$uri"):
			u, _, _ := bytes.Cut(uri, []byte("?"))
			dst, k = append(dst, u...), k[len("$uri"):]
		default:
			dst, k = append(dst, '$'), k[1:]
		}
	}
	return dst
}
