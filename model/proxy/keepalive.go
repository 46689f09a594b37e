package proxy

// The upstream keepalive cache (ngx_http_upstream_keepalive_module.c):
// per worker, up to `keepalive N` idle connections; a try first asks
// the method for a server as always, then takes an idle connection to
// that server if there is one (ngx_http_upstream_get_keepalive_peer);
// a try that ended well leaves its connection in the cache, closing the
// least recently used one when full (ngx_http_upstream_free_keepalive_peer).

// idleConn is one cached connection.
type idleConn struct {
	server string // the server line it goes to
	conn   UpstreamConn
	uses   int // requests it carried
}

// takeIdle removes and returns the most recently cached idle connection
// to server in worker w's cache (the cache is searched from its most
// recent end, as the module's queue is); connections found closed on
// the way are dropped.
func (p *Proxy) takeIdle(w int, server string) (idleConn, bool) {
	if p.cfg.Keepalive == 0 || w >= len(p.idle) {
		return idleConn{}, false
	}
	c := p.idle[w]
	for i := len(c) - 1; i >= 0; i-- {
		if c[i].server != server {
			continue
		}
		ic := c[i]
		c = append(c[:i], c[i+1:]...)
		if ic.conn.Idle() {
			p.idle[w] = c
			return ic, true
		}
	}
	p.idle[w] = c
	return idleConn{}, false
}

// keepConn caches the connection of a try that ended well, unless it
// closed, or carried keepalive_requests requests; a full cache closes
// its least recently used connection.
func (p *Proxy) keepConn(q *request) {
	conn := q.conn
	q.conn = nil
	if conn == nil || q.peer == nil {
		return
	}
	uses := q.uses + 1
	if p.cfg.Keepalive == 0 || uses >= p.cfg.KeepaliveRequests || !conn.Idle() {
		conn.Close()
		return
	}
	c := p.idle[q.worker]
	if len(c) >= p.cfg.Keepalive {
		c[0].conn.Close()
		c = append(c[:0], c[1:]...)
	}
	p.idle[q.worker] = append(c, idleConn{server: q.peer.Server, conn: conn, uses: uses})
}

// closeConn closes a failed try's connection, if it stayed open.
func (q *request) closeConn() {
	if q.conn != nil {
		q.conn.Close()
		q.conn = nil
	}
}

// dropIdle empties the caches: closing each connection when nginx
// exits, only forgetting them after a crash (the host's TCP is gone).
func (p *Proxy) dropIdle(close bool) {
	for w, c := range p.idle {
		for _, ic := range c {
			if close {
				ic.conn.Close()
			}
		}
		p.idle[w] = c[:0]
	}
	for len(p.idle) < p.cfg.Workers {
		p.idle = append(p.idle, nil)
	}
}

// IdleConns returns how many idle upstream connections worker w keeps.
func (p *Proxy) IdleConns(w int) int {
	if w >= len(p.idle) {
		return 0
	}
	return len(p.idle[w])
}
