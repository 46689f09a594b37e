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
	set  settings
	st   state

	miscStatus int // MISC_CHECK: the script's exit status from now on

	timer   sim.Resettable
	cancel  func()
	running bool

	// Probes counts runs; Failures the failed ones.
	Probes, Failures uint64
}

// settings are a checker's resolved timings: everything its epilog
// needs besides its state.
type settings struct {
	kind                      Kind
	urls                      int // HTTP_GET/SSL_GET: how many url blocks
	fastRecovery              bool
	delayLoop, connectTimeout time.Duration
	delayBeforeRetry, warmup  time.Duration
	retry                     int
	alpha                     bool
}

// resolve fills c's settings from its real server's rt
// (validate_check_config: retry, delay_before_retry and warmup fall
// back to the checker's own defaults, warmup to delay_loop).
func resolve(cc CheckerConfig, rt Timing) settings {
	t := cc.Timing.under(rt)
	st := settings{kind: cc.Kind, urls: len(cc.URLs), fastRecovery: cc.FastRecovery,
		delayLoop: t.DelayLoop.V, connectTimeout: t.ConnectTimeout.V,
		retry:            t.Retry.Or(cc.Kind.defaultRetry()),
		delayBeforeRetry: t.DelayBeforeRetry.Or(cc.Kind.defaultDelayBeforeRetry()),
		alpha:            t.Alpha.V}
	st.warmup = t.Warmup.Or(st.delayLoop)
	return st
}

// state is the part of checker_t the epilogs change.
type state struct {
	isUp, hasRun bool
	retryIt      int
	urlIt        int // the URL to check next (url_it)
	failedURL    int // failed_url, -1 for none
}

// verdict is what an epilog asks of update_svr_checker_state.
type verdict uint8

const (
	noVerdict verdict = iota
	verdictUp
	verdictDown
)

// newChecker resolves cc's settings over its real server's rt.
func newChecker(s *Service, r *Real, i int, cc CheckerConfig, rt Timing) *Checker {
	c := &Checker{svc: s, rs: r, cfg: cc, set: resolve(cc, rt), st: state{failedURL: -1}}
	if !cc.MiscOK {
		c.miscStatus = 1
	}
	c.name = checkerName(r.Name, cc.Kind, i)
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

// checkerName is "REAL/KIND", with "#N" for the real server's N-th
// checker after the first ("rs1/TCP_CHECK", "rs1/HTTP_GET#2").
func checkerName(real string, k Kind, i int) string {
	name := real + "/" + k.String()
	if i > 0 {
		name += "#" + strconv.Itoa(i+1)
	}
	return name
}

// Name is "REAL/KIND" ("rs1/TCP_CHECK").
func (c *Checker) Name() string { return c.name }

// Up is the checker's verdict (is_up).
func (c *Checker) Up() bool { return c.st.isUp }

// Settings are the checker's resolved timings.
func (c *Checker) Settings() (delayLoop, connectTimeout, delayBeforeRetry, warmup time.Duration, retry int) {
	t := c.set
	return t.delayLoop, t.connectTimeout, t.delayBeforeRetry, t.warmup, t.retry
}

// start is the checker's state at start (queue_checker: is_up;
// validate_check_config: alpha marks it failed, retry_it = retry so
// that the first failure counts at once).
func (t settings) start() state {
	return state{isUp: !t.alpha, retryIt: t.retry, failedURL: -1}
}

// reset puts the checker in its start state; one that starts failed
// (alpha) counts in num_failed_checkers, as set_checker_state does.
func (c *Checker) reset() {
	c.st = c.set.start()
	if !c.st.isUp {
		c.rs.failed++
		c.rs.alive = false
	}
}

// firstDelay is when the first run comes: one second plus a random
// share r/randMax of warmup (register_checkers_thread: warmup *
// random() / RAND_MAX, in keepalived's microseconds).
func (t settings) firstDelay(r, randMax int64) time.Duration {
	d := BootstrapDelay
	if us := int64(t.warmup / time.Microsecond); us > 0 {
		d += time.Duration(us*r/randMax) * time.Microsecond
	}
	return d
}

// start arms the first run.
func (c *Checker) start() {
	const randMax = 1<<31 - 1
	r := int64(c.svc.env.Stream("check/"+c.svc.cfg.Name+"/"+c.name).Uint32() & randMax)
	c.running = true
	c.timer.Reset(c.set.firstDelay(r, randMax))
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
		c.miscDone(c.miscStatus)
		return
	}
	req := ProbeRequest{Checker: c.name, From: c.cfg.BindTo, To: c.to, Timeout: c.set.connectTimeout}
	if c.cfg.Kind.http() {
		u := c.cfg.URLs[c.st.urlIt]
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
	if ok && c.cfg.Kind.http() {
		// http_handle_response: no data, a status not listed, a digest
		// that differs are all failures (timeout_epilog).
		u := c.cfg.URLs[c.st.urlIt]
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
	c.traceProbe(ok, c.cfg.Kind.String()+" "+why)
	c.epilog(ok)
}

// traceProbe records a probe's end (Event probe_ok or probe_fail).
func (c *Checker) traceProbe(ok bool, why string) {
	if !ok {
		c.Failures++
	}
	c.svc.traceReal(c.rs, "probe_"+okName(ok), why, 0)
}

// epilog applies the checker's rule to a probe's result: the verdict
// goes to update_svr_checker_state, the next run is armed delay from
// now.
func (c *Checker) epilog(ok bool) {
	next, delay, v, at := c.set.next(c.st, ok)
	if v != noVerdict {
		c.st = at
		c.update(v == verdictUp)
	}
	c.st = next
	c.timer.Reset(delay)
}

func okName(ok bool) string {
	if ok {
		return "ok"
	}
	return "fail"
}

// next is one epilog of the checker's kind: from state s and a probe's
// result, the next state, the delay to the next run and the verdict, if
// any, with the state update_svr_checker_state sees it in. The checker
// and the detection calculator (bounds.go) both run it.
func (t settings) next(s state, ok bool) (next state, delay time.Duration, v verdict, at state) {
	switch t.kind {
	case KindTCP:
		return t.tcpEpilog(s, ok)
	case KindMisc:
		return t.miscEpilog(s, ok)
	}
	return t.httpResult(s, ok)
}

// decide records verdict v on s: the checker's is_up follows it and it
// has run.
func decide(s state, up bool) (state, verdict, state) {
	at := s
	s.isUp, s.hasRun = up, true
	if up {
		return s, verdictUp, at
	}
	return s, verdictDown, at
}

// tcpEpilog is check_tcp.c tcp_epilog: a failure while retries are
// left waits delay_before_retry; a success, or the failure that uses up
// the retries, gives the verdict and waits delay_loop. Retries count in
// either state, so a down server is probed retry times at
// delay_before_retry, then after delay_loop, and so on.
func (t settings) tcpEpilog(s state, ok bool) (state, time.Duration, verdict, state) {
	var delay time.Duration
	v, at := noVerdict, s
	if ok || s.retryIt >= t.retry {
		delay = t.delayLoop
		s.retryIt = 0
		if ok && (!s.isUp || !s.hasRun) || !ok && (s.isUp || !s.hasRun) {
			s, v, at = decide(s, ok)
		}
	} else {
		delay = t.delayBeforeRetry
		s.retryIt++
	}
	s.hasRun = true
	return s, delay, v, at
}

// httpResult dispatches an HTTP_GET/SSL_GET result as
// http_handle_response and timeout_epilog do.
func (t settings) httpResult(s state, ok bool) (state, time.Duration, verdict, state) {
	switch {
	case ok:
		return t.httpEpilog(s, registerNew)
	case s.isUp || !s.hasRun:
		s.hasRun = true
		return t.httpEpilog(s, registerRetry)
	}
	return t.httpEpilog(s, registerFailed) // already down: no retries
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
func (t settings) httpEpilog(s state, m register) (state, time.Duration, verdict, state) {
	v, at := noVerdict, s
	if m == registerNew {
		s.urlIt++
		s.retryIt = 0
	} else if m == registerRetry {
		s.retryIt++
	}
	switch {
	case m == registerNew && s.urlIt >= t.urls && s.failedURL < 0:
		if !s.isUp || !s.hasRun {
			s, v, at = decide(s, true)
		}
		s.urlIt, s.retryIt = 0, 0
	case m == registerRetry && s.retryIt > t.retry:
		if s.isUp || !s.hasRun {
			s, v, at = decide(s, false)
		}
		s.failedURL = s.urlIt
	case m == registerNew && s.failedURL >= 0:
		s.failedURL = -1
		s.urlIt, s.retryIt = 0, 0
	}
	var delay time.Duration
	switch {
	case m == registerNew:
		delay = t.delayLoop
		if !s.hasRun {
			s.retryIt = t.retry
		}
	case s.failedURL >= 0:
		delay = max(t.delayBeforeRetry, t.delayLoop)
	default:
		delay = t.delayBeforeRetry
	}
	if t.fastRecovery && (!s.hasRun || !s.isUp && s.failedURL < 0) {
		delay = 0
	}
	return s, delay, v, at
}

// miscDone is check_misc.c misc_check_child_thread for a script that
// exits at once with status: 0 is up; with misc_dynamic 2..255 is up
// too and sets the weight to status-2 (update_svr_wgt); anything else
// is a failure.
func (c *Checker) miscDone(status int) {
	ok := status == 0 || c.cfg.MiscDynamic && status >= 2 && status <= 255
	c.traceProbe(ok, "MISC_CHECK exit="+strconv.Itoa(status))
	if ok && status >= 2 {
		c.svc.setWeight(c.rs, status-2)
	}
	c.epilog(ok)
}

// miscEpilog: failures while up use the retries (delay_before_retry
// apart), the last one marks the checker down; failures while down are
// not counted. The next run is delay_loop after this one, or
// delay_before_retry while retries are under way.
func (t settings) miscEpilog(s state, ok bool) (state, time.Duration, verdict, state) {
	v, at := noVerdict, s
	if ok {
		if !s.isUp || !s.hasRun {
			s, v, at = decide(s, true)
		}
		s.retryIt = 0
	} else if s.isUp || !s.hasRun {
		if s.retryIt < t.retry {
			s.retryIt++
		} else {
			s.retryIt = 0
			s, v, at = decide(s, false)
		}
	}
	s.hasRun = true
	if s.retryIt > 0 {
		return s, t.delayBeforeRetry, v, at
	}
	return s, t.delayLoop, v, at
}

// update is ipwrapper.c update_svr_checker_state: a real server leaves
// the pool when its first checker fails and comes back when its last
// failed checker recovers.
func (c *Checker) update(alive bool) {
	if c.st.isUp == alive {
		if !c.st.hasRun {
			if c.set.alpha || !alive {
				c.svc.trace(c.rs, "notify_"+upDown(alive), c.name)
			}
			c.st.hasRun = true
		}
		return
	}
	c.st.hasRun = true
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
	if c.st.isUp == up {
		return
	}
	c.st.isUp = up
	if !up {
		c.rs.failed++
	} else if c.rs.failed > 0 {
		c.rs.failed--
	}
}
