// Package upstream picks an nginx upstream server for each try of a
// request, as nginx's http upstream modules do (nginx
// src/http/ngx_http_upstream_round_robin.c and
// src/http/modules/ngx_http_upstream_{least_conn,ip_hash,hash,random}_module.c),
// and keeps nginx's passive health state per server.
//
// One Upstream is the state of one upstream{} block in one worker
// process. A request is a Request: Begin it (the method's init_peer),
// Get a server for each try (peer.get), and Free the server after each
// try with whether the try failed (peer.free). What counts as a failure
// (proxy_next_upstream) and whether to try again (Request.Tries,
// proxy_next_upstream_tries) is the caller's decision, as in
// ngx_http_upstream_next.
//
// nginx's clock here is ngx_time(): whole seconds. Times are passed in
// as the time since the start of the run and truncated to seconds, so a
// fail_timeout of 10s means what it means in nginx, ±1 s of rounding.
package upstream

import (
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
	"time"
)

// Method is the balancing method of the upstream block.
type Method int

const (
	RoundRobin     Method = iota // the default: smooth weighted round robin
	LeastConn                    // least_conn
	IPHash                       // ip_hash
	Hash                         // hash KEY
	HashConsistent               // hash KEY consistent
	Random                       // random
	RandomTwo                    // random two [least_conn]
)

var methodNames = [...]string{"round_robin", "least_conn", "ip_hash", "hash", "hash consistent", "random", "random two least_conn"}

func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// Defaults of the server directive (ngx_http_upstream_server).
const (
	DefaultWeight      = 1
	DefaultMaxFails    = 1
	DefaultFailTimeout = 10 * time.Second
	// MaxFailsOff is max_fails=0: failures are never counted against the
	// server (Server.MaxFails' zero value means the default, 1).
	MaxFailsOff = -1
	// triesBeforeRR is how many failed hash probes the hashing methods
	// make before falling back to round robin ("tries > 20").
	triesBeforeRR = 20
)

// ErrNoLive is nginx's "no live upstreams": every server of the
// upstream (and every backup) is down, failed or already tried by this
// request. nginx answers 502.
var ErrNoLive = errors.New("no live upstreams")

// Server is one server line: server ADDR [weight=N] [max_fails=N]
// [fail_timeout=T] [max_conns=N] [backup] [down].
type Server struct {
	// Addr is the address exactly as written ("10.0.0.11:80"); the
	// consistent hash hashes this string, not the resolved address.
	Addr        string
	Weight      int           // 0 means DefaultWeight
	MaxFails    int           // 0 means DefaultMaxFails; MaxFailsOff for max_fails=0
	FailTimeout time.Duration // 0 means DefaultFailTimeout; whole seconds
	MaxConns    int           // 0: no limit
	Backup      bool
	Down        bool
}

// Peer is a server with nginx's per-peer state
// (ngx_http_upstream_rr_peer_t). Only the Upstream changes the state
// fields; callers read them for reports.
type Peer struct {
	Server      string // the server line's address, as written
	Backup      bool
	Weight      int
	MaxFails    int   // nginx's value: 0 disables failure accounting
	FailTimeout int64 // seconds
	MaxConns    int
	Down        bool

	CurrentWeight   int
	EffectiveWeight int
	Conns           int
	Fails           int
	Accessed        int64 // second of the last failure
	Checked         int64 // second of the last failure or of the first pick after fail_timeout

	id int // index of the first peer with the same Server string (consistent hash)
}

// tier is one list of peers, the primaries or the backups
// (ngx_http_upstream_rr_peers_t).
type tier struct {
	peers       []Peer
	totalWeight int
	tries       int  // peers not marked down
	single      bool // one primary and no backups: no failure accounting
}

// Rand is the random source of the random method: Uint32 as
// math/rand/v2's *Rand has it. nginx uses ngx_random(), 31 bits.
type Rand interface {
	Uint32() uint32
}

// point is one point of the consistent-hash ring.
type point struct {
	hash uint32
	id   int
}

// Upstream is one upstream block's peers and state in one worker.
type Upstream struct {
	method  Method
	primary tier
	backup  tier
	points  []point // HashConsistent
	ranges  []int   // Random, RandomTwo: first weight unit of each primary
	rnd     Rand
}

// New builds the peers of servers, in order, with nginx's checks of the
// server directive for the method (ngx_http_upstream_server,
// ngx_http_upstream_init_round_robin). rnd is used only by Random and
// RandomTwo.
func New(method Method, servers []Server, rnd Rand) (*Upstream, error) {
	if method < RoundRobin || method > RandomTwo {
		return nil, fmt.Errorf("upstream: unknown method %d", int(method))
	}
	if (method == Random || method == RandomTwo) && rnd == nil {
		return nil, fmt.Errorf("upstream: %s needs a random source", method)
	}
	u := &Upstream{method: method, rnd: rnd}
	for i, s := range servers {
		p, err := newPeer(method, s)
		if err != nil {
			return nil, fmt.Errorf("upstream: server %d %q: %w", i+1, s.Addr, err)
		}
		t := &u.primary
		if p.Backup {
			t = &u.backup
		}
		t.peers = append(t.peers, p)
	}
	if len(u.primary.peers) == 0 {
		return nil, errors.New("upstream: no servers in upstream")
	}
	for _, t := range []*tier{&u.primary, &u.backup} {
		for i := range t.peers {
			p := &t.peers[i]
			t.totalWeight += p.Weight
			if !p.Down {
				t.tries++
			}
			p.id = i
			for j := range i {
				if t.peers[j].Server == p.Server {
					p.id = j
					break
				}
			}
		}
	}
	u.primary.single = len(u.primary.peers) == 1 && len(u.backup.peers) == 0
	switch method {
	case HashConsistent:
		u.points = chashPoints(u.primary.peers)
	case Random, RandomTwo:
		u.ranges = make([]int, len(u.primary.peers))
		w := 0
		for i, p := range u.primary.peers {
			u.ranges[i] = w
			w += p.Weight
		}
	}
	return u, nil
}

func newPeer(method Method, s Server) (Peer, error) {
	p := Peer{Server: s.Addr, Backup: s.Backup, Down: s.Down, Weight: s.Weight, MaxFails: s.MaxFails, MaxConns: s.MaxConns}
	if s.Addr == "" {
		return p, errors.New("empty address")
	}
	switch {
	case p.Weight == 0:
		p.Weight = DefaultWeight
	case p.Weight < 0:
		return p, fmt.Errorf("invalid parameter \"weight=%d\"", s.Weight)
	}
	switch {
	case p.MaxFails == 0:
		p.MaxFails = DefaultMaxFails
	case p.MaxFails == MaxFailsOff:
		p.MaxFails = 0
	case p.MaxFails < 0:
		return p, fmt.Errorf("invalid parameter \"max_fails=%d\"", s.MaxFails)
	}
	if p.MaxConns < 0 {
		return p, fmt.Errorf("invalid parameter \"max_conns=%d\"", s.MaxConns)
	}
	ft := s.FailTimeout
	if ft == 0 {
		ft = DefaultFailTimeout
	}
	// ngx_parse_time(&s, 1): fail_timeout is in whole seconds.
	if ft < 0 || ft%time.Second != 0 {
		return p, fmt.Errorf("invalid parameter \"fail_timeout=%v\": whole seconds", s.FailTimeout)
	}
	p.FailTimeout = int64(ft / time.Second)
	p.EffectiveWeight = p.Weight
	// Only round robin and least_conn set NGX_HTTP_UPSTREAM_BACKUP.
	if s.Backup && method != RoundRobin && method != LeastConn {
		return p, fmt.Errorf("balancing method %s does not support parameter \"backup\"", method)
	}
	return p, nil
}

// Method returns the balancing method.
func (u *Upstream) Method() Method { return u.method }

// Peers returns the primary servers, in the order written.
func (u *Upstream) Peers() []Peer { return u.primary.peers }

// Backups returns the backup servers, in the order written.
func (u *Upstream) Backups() []Peer { return u.backup.peers }

// Lookup returns the peer (primary first, then backup) whose address is
// written as addr, or nil.
func (u *Upstream) Lookup(addr string) *Peer {
	for _, t := range []*tier{&u.primary, &u.backup} {
		for i := range t.peers {
			if t.peers[i].Server == addr {
				return &t.peers[i]
			}
		}
	}
	return nil
}

// Request is one request's peer data (ngx_http_upstream_rr_peer_data_t
// and the methods' extensions of it). Reuse one value across requests to
// pick without allocating.
type Request struct {
	// Tries is how many tries nginx allows this request: the servers not
	// marked down, primaries plus backups (ngx_http_upstream_tries);
	// Free counts it down, and the single-server upstream sets it to 0.
	Tries int
	// Current is the peer of the try in progress, nil after Free.
	Current *Peer

	client    [16]byte // ip_hash: the client address bytes hashed
	clientLen int
	key       []byte // hash: the key, copied

	backup    bool     // rrp->peers moved to the backup list
	tried     []uint64 // rrp->tried, over the current list
	hashTries int      // iphp->tries, hp->tries, rp->tries
	hash      uint32   // ip_hash: running hash; hash: sum; consistent: point index
	rehash    int      // hash: hp->rehash
	num       [20]byte // hash: room for the decimal rehash, kept off the heap
}

// Begin starts a request from client with the hash key key (the value
// of hash KEY for this request; ignored by the other methods), as the
// method's init_peer does.
func (u *Upstream) Begin(r *Request, client netip.Addr, key string) {
	n := max(len(u.primary.peers), len(u.backup.peers))
	words := (n + 63) / 64
	if cap(r.tried) < words {
		r.tried = make([]uint64, words)
	}
	r.tried = r.tried[:words]
	clear(r.tried)
	r.Tries = u.primary.tries + u.backup.tries
	r.Current = nil
	r.backup = false
	r.hashTries = 0
	r.hash = 0
	r.rehash = 0
	r.key = append(r.key[:0], key...)

	// ngx_http_upstream_init_ip_hash_peer: three octets of an IPv4
	// address, all sixteen of an IPv6 one, else three zero octets.
	r.clientLen = 3
	r.client = [16]byte{}
	switch {
	case client.Is4():
		a := client.As4()
		copy(r.client[:], a[:3])
	case client.Is6():
		r.client = client.As16()
		r.clientLen = 16
	}
	switch u.method {
	case IPHash:
		r.hash = 89
	case HashConsistent:
		// ngx_http_upstream_init_chash_peer: start at the first point
		// at or after crc32(key).
		if len(u.points) > 0 {
			r.hash = uint32(findPoint(u.points, crc32.ChecksumIEEE(r.key)))
		}
	}
}

// Get picks the server for the request's next try (the method's
// peer.get), counts a connection on it and returns it; ErrNoLive when
// nothing is left.
func (u *Upstream) Get(r *Request, now time.Duration) (*Peer, error) {
	sec := int64(now / time.Second)
	switch u.method {
	case LeastConn:
		return u.getLeastConn(r, sec)
	case IPHash:
		return u.getIPHash(r, sec)
	case Hash:
		return u.getHash(r, sec)
	case HashConsistent:
		return u.getConsistent(r, sec)
	case Random:
		return u.getRandom(r, sec)
	case RandomTwo:
		return u.getRandomTwo(r, sec)
	}
	return u.getRoundRobin(r, sec)
}

// Free ends the try in progress (ngx_http_upstream_free_round_robin_peer).
// A failed try counts a failure: max_fails of them within fail_timeout
// take the server out for fail_timeout, and each lowers its
// effective_weight by weight/max_fails, which picks restore one unit at
// a time. A good try after the server was checked again clears its
// failures. A single-server upstream keeps no failures and ends the
// request's tries.
func (u *Upstream) Free(r *Request, failed bool, now time.Duration) {
	p := r.Current
	if p == nil {
		return
	}
	r.Current = nil
	sec := int64(now / time.Second)
	if !r.backup && u.primary.single {
		p.Fails = 0
		p.Conns--
		r.Tries = 0
		return
	}
	if failed {
		p.Fails++
		p.Accessed = sec
		p.Checked = sec
		if p.MaxFails > 0 {
			p.EffectiveWeight -= p.Weight / p.MaxFails
		}
		p.EffectiveWeight = max(p.EffectiveWeight, 0)
	} else if p.Accessed < p.Checked {
		// the server served after being checked again: mark it live
		p.Fails = 0
	}
	p.Conns--
	if r.Tries > 0 {
		r.Tries--
	}
}

// Unavailable reports whether p is out at second now for any request:
// marked down, failed max_fails times with the last failure (or probe)
// within fail_timeout, or at max_conns. The same test opens every
// method's loop.
func (p *Peer) Unavailable(now time.Duration) bool {
	return p.unavailable(int64(now / time.Second))
}

func (p *Peer) unavailable(sec int64) bool {
	return p.Down ||
		p.MaxFails > 0 && p.Fails >= p.MaxFails && sec-p.Checked <= p.FailTimeout ||
		p.MaxConns > 0 && p.Conns >= p.MaxConns
}

// addWeight is the smooth weighted round robin step every candidate
// gets (ngx_http_upstream_get_peer): current_weight grows by
// effective_weight, which recovers by one towards weight. It returns the
// effective weight added, for the total.
func (p *Peer) addWeight() int {
	w := p.EffectiveWeight
	p.CurrentWeight += w
	if p.EffectiveWeight < p.Weight {
		p.EffectiveWeight++
	}
	return w
}

func (r *Request) isTried(i int) bool { return r.tried[i/64]&(1<<(i%64)) != 0 }

func (u *Upstream) list(r *Request) *tier {
	if r.backup {
		return &u.backup
	}
	return &u.primary
}

// take makes p, index i of the request's list, the try in progress:
// one more connection, tried by this request, and checked now if its
// fail_timeout has passed since the last check (this is the probe).
func (u *Upstream) take(r *Request, i int, sec int64) *Peer {
	p := &u.list(r).peers[i]
	p.Conns++
	r.Current = p
	r.tried[i/64] |= 1 << (i % 64)
	if sec-p.Checked > p.FailTimeout {
		p.Checked = sec
	}
	return p
}

// toBackup moves the request to the backup list when its primaries are
// exhausted (the "failed:" label of the rr and least_conn getters).
func (u *Upstream) toBackup(r *Request) bool {
	if r.backup || len(u.backup.peers) == 0 {
		return false
	}
	r.backup = true
	clear(r.tried)
	return true
}
