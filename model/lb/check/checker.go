package check

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Checker is one checker of a real server (checker_t) with its resolved
// settings.
type Checker struct {
	svc  *Service
	rs   *Real
	name string
	cfg  CheckerConfig
	to   netip.AddrPort

	delayLoop, connectTimeout time.Duration
	delayBeforeRetry, warmup  time.Duration
	retry                     int
	alpha                     bool

	isUp, hasRun bool
	retryIt      int
	urlIt        int // the URL to check next (url_it)
	failedURL    int // failed_url, -1 for none
	miscOK       bool

	timer   sim.Resettable
	cancel  func()
	running bool

	// Probes counts runs; Failures the failed ones.
	Probes, Failures uint64
}

// newChecker resolves c's settings over its real server's rt
// (validate_check_config: retry, delay_before_retry and warmup fall
// back to the checker's own defaults, warmup to delay_loop).
func newChecker(s *Service, r *Real, i int, cc CheckerConfig, rt Timing) *Checker {
	t := cc.Timing.under(rt)
	c := &Checker{svc: s, rs: r, cfg: cc, failedURL: -1, miscOK: cc.MiscOK}
	c.name = r.Name + "/" + cc.Kind.String()
	if i > 0 {
		c.name += "#" + strconv.Itoa(i+1)
	}
	c.delayLoop = t.DelayLoop.V
	c.connectTimeout = t.ConnectTimeout.V
	c.retry = t.Retry.Or(cc.Kind.defaultRetry())
	c.delayBeforeRetry = t.DelayBeforeRetry.Or(cc.Kind.defaultDelayBeforeRetry())
	c.warmup = t.Warmup.Or(c.delayLoop)
	c.alpha = t.Alpha.V
	ip, port := r.Addr.Addr(), r.Addr.Port()
	if cc.ConnectIP.IsValid() {
		ip = cc.ConnectIP
	}
	if cc.ConnectPort != 0 {
		port = cc.ConnectPort
	}
	c.to = netip.AddrPortFrom(ip, port)
	c.timer = s.env.NewTimer(c.run)
	return c
}

// Name is "REAL/KIND" ("rs1/TCP_CHECK").
func (c *Checker) Name() string { return c.name }

// Up is the checker's verdict (is_up).
func (c *Checker) Up() bool { return c.isUp }

// Settings are the checker's resolved timings.
func (c *Checker) Settings() (delayLoop, connectTimeout, delayBeforeRetry, warmup time.Duration, retry int) {
	return c.delayLoop, c.connectTimeout, c.delayBeforeRetry, c.warmup, c.retry
}

// reset is the checker's state at start (queue_checker: is_up;
// validate_check_config: alpha marks it failed, retry_it = retry so
// that the first failure counts at once).
func (c *Checker) reset() {
	c.isUp, c.hasRun = true, false
	c.retryIt = c.retry
	c.urlIt, c.failedURL = 0, -1
	if c.alpha {
		c.setState(false)
		c.rs.alive = false
	}
}

// start arms the first run one second plus a random share of warmup
// from now (register_checkers_thread: warmup * random() / RAND_MAX,
// in keepalived's microseconds).
func (c *Checker) start() {
	d := BootstrapDelay
	if us := int64(c.warmup / time.Microsecond); us > 0 {
		const randMax = 1<<31 - 1
		r := int64(c.svc.env.Stream("check/"+c.svc.cfg.Name+"/"+c.name).Uint32() & randMax)
		d += time.Duration(us*r/randMax) * time.Microsecond
	}
	c.running = true
	c.timer.Reset(d)
}

func (c *Checker) stop() {
	c.running = false
	c.timer.Stop()
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
}

// run is the checker's thread: tcp_connect_thread, http_connect_thread,
// misc_check_thread.
func (c *Checker) run() {
	if !c.running {
		return
	}
	c.Probes++
	if c.cfg.Kind == KindMisc {
		c.miscDone(c.miscOK)
		return
	}
	req := ProbeRequest{Checker: c.name, From: c.cfg.BindTo, To: c.to, Timeout: c.connectTimeout}
	if c.cfg.Kind == KindHTTP || c.cfg.Kind == KindSSL {
		u := c.cfg.URLs[c.urlIt]
		req.HTTP, req.Path, req.Host, req.Digest = true, u.Path, c.cfg.Virtualhost, u.HasDigest
		if c.cfg.Kind == KindSSL {
			req.TLSRoundTrips = TLSRoundTrips
		}
	}
	c.cancel = c.svc.env.Probe(req, c.probeDone)
}

// probeDone takes a probe's result to the checker's epilog.
func (c *Checker) probeDone(res ProbeResult) {
	c.cancel = nil
	if !c.running {
		return
	}
	ok := res.Outcome == ProbeOK
	why := res.Outcome.String()
	if ok && (c.cfg.Kind == KindHTTP || c.cfg.Kind == KindSSL) {
		// http_handle_response: no data, a status not listed, a digest
		// that differs are all failures (timeout_epilog).
		u := c.cfg.URLs[c.urlIt]
		switch {
		case res.Status == 0:
			ok, why = false, "no_data"
		case !u.accepts(res.Status):
			ok, why = false, "status="+strconv.Itoa(res.Status)
		case u.HasDigest && res.Digest != u.Digest:
			ok, why = false, "digest"
		default:
			why = "status=" + strconv.Itoa(res.Status)
		}
	}
	if !ok {
		c.Failures++
	}
	c.svc.env.Trace(sim.Record{Kind: sim.KindNote, Comp: c.svc.comp(c.rs), Event: "probe_" + okName(ok), Reason: c.cfg.Kind.String() + " " + why})
	switch c.cfg.Kind {
	case KindTCP:
		c.tcpEpilog(ok)
	default:
		c.httpResult(ok)
	}
}

func okName(ok bool) string {
	if ok {
		return "ok"
	}
	return "fail"
}

// tcpEpilog is check_tcp.c tcp_epilog: a failure while retries are
// left waits delay_before_retry; a success, or the failure that uses up
// the retries, gives the verdict and waits delay_loop. Retries count in
// either state, so a down server is probed retry times at
// delay_before_retry, then after delay_loop, and so on.
func (c *Checker) tcpEpilog(ok bool) {
	var delay time.Duration
	if ok || c.retryIt >= c.retry {
		delay = c.delayLoop
		c.retryIt = 0
		if ok && (!c.isUp || !c.hasRun) {
			c.update(true)
		} else if !ok && (c.isUp || !c.hasRun) {
			c.update(false)
		}
	} else {
		delay = c.delayBeforeRetry
		c.retryIt++
	}
	c.hasRun = true
	c.timer.Reset(delay)
}

// httpResult dispatches an HTTP_GET/SSL_GET result as
// http_handle_response and timeout_epilog do.
func (c *Checker) httpResult(ok bool) {
	switch {
	case ok:
		c.httpEpilog(registerNew)
	case c.isUp || !c.hasRun:
		c.hasRun = true
		c.httpEpilog(registerRetry)
	default:
		c.httpEpilog(registerFailed) // already down: no retries
	}
}

type register uint8

const (
	registerNew    register = iota // REGISTER_CHECKER_NEW: this URL passed
	registerRetry                  // REGISTER_CHECKER_RETRY: it failed, count a retry
	registerFailed                 // REGISTER_CHECKER_FAILED: failed while down
)

// httpEpilog is check_http.c epilog. One URL is checked per run. A
// passing URL moves to the next one delay_loop later; when all have
// passed with no failed URL pending, the checker is up. A failure while
// up counts a retry (delay_before_retry); the one after retry retries
// marks the URL failed and the checker down, and the runs then wait the
// longer of delay_before_retry and delay_loop. Once down, the failed URL
// passing only clears it: every URL must pass again, delay_loop apart,
// before the checker is up (fast_recovery runs them back to back).
func (c *Checker) httpEpilog(m register) {
	n := len(c.cfg.URLs)
	if m == registerNew {
		c.urlIt++
		c.retryIt = 0
	} else if m == registerRetry {
		c.retryIt++
	}
	switch {
	case m == registerNew && c.urlIt >= n && c.failedURL < 0:
		if !c.isUp || !c.hasRun {
			c.update(true)
			c.hasRun = true
		}
		c.urlIt, c.retryIt = 0, 0
	case m == registerRetry && c.retryIt > c.retry:
		if c.isUp || !c.hasRun {
			c.update(false)
		}
		c.failedURL = c.urlIt
	case m == registerNew && c.failedURL >= 0:
		c.failedURL = -1
		c.urlIt, c.retryIt = 0, 0
	}
	var delay time.Duration
	switch {
	case m == registerNew:
		delay = c.delayLoop
		if !c.hasRun {
			c.retryIt = c.retry
		}
	case c.failedURL >= 0:
		delay = max(c.delayBeforeRetry, c.delayLoop)
	default:
		delay = c.delayBeforeRetry
	}
	if c.cfg.FastRecovery && (!c.hasRun || !c.isUp && c.failedURL < 0) {
		delay = 0
	}
	c.timer.Reset(delay)
}

// miscDone is check_misc.c misc_check_child_thread for a script that
// exits at once with ok's status: failures while up use the retries
// (delay_before_retry apart), the last one marks the checker down;
// failures while down are not counted. The next run is delay_loop after
// this one, or delay_before_retry while retries are under way.
func (c *Checker) miscDone(ok bool) {
	c.svc.env.Trace(sim.Record{Kind: sim.KindNote, Comp: c.svc.comp(c.rs), Event: "probe_" + okName(ok), Reason: "MISC_CHECK"})
	if ok {
		if !c.isUp || !c.hasRun {
			c.update(true)
		}
		c.retryIt = 0
	} else {
		c.Failures++
		if c.isUp || !c.hasRun {
			if c.retryIt < c.retry {
				c.retryIt++
			} else {
				c.retryIt = 0
				c.update(false)
			}
		}
	}
	c.hasRun = true
	if c.retryIt > 0 {
		c.timer.Reset(c.delayBeforeRetry)
	} else {
		c.timer.Reset(c.delayLoop)
	}
}

// update is ipwrapper.c update_svr_checker_state: a real server leaves
// the pool when its first checker fails and comes back when its last
// failed checker recovers.
func (c *Checker) update(alive bool) {
	if c.isUp == alive {
		if !c.hasRun {
			if c.alpha || !alive {
				c.svc.trace(c.rs, "notify_"+upDown(alive), c.name)
			}
			c.hasRun = true
		}
		return
	}
	c.hasRun = true
	c.svc.trace(c.rs, "checker_"+upDown(alive), c.name)
	if alive && c.rs.failed <= 1 || !alive && c.rs.failed == 0 {
		c.svc.performSvrState(alive, c.rs)
	}
	c.setState(alive)
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// setState is set_checker_state: it keeps num_failed_checkers.
func (c *Checker) setState(up bool) {
	if c.isUp == up {
		return
	}
	c.isUp = up
	if !up {
		c.rs.failed++
	} else if c.rs.failed > 0 {
		c.rs.failed--
	}
}
