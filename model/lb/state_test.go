package lb

import (
	"testing"
	"time"
)

// TestNextTCPState checks transitions of tcp_states (ip_vs_proto_tcp.c,
// secure_tcp off) in its three tables, looked up as set_tcp_state does.
func TestNextTCPState(t *testing.T) {
	cases := []struct {
		name  string
		cur   State
		dir   Direction
		flags uint8
		want  State
	}{
		// INPUT: client to server, the entry has seen replies (NAT).
		{"input syn opens", StateNone, DirInput, syn, StateSynRecv},
		{"input ack completes", StateSynRecv, DirInput, ack, StateEstablished},
		{"input fin from established", StateEstablished, DirInput, fin, StateCloseWait},
		{"input fin in syn_recv", StateSynRecv, DirInput, fin, StateTimeWait},
		{"input rst closes", StateEstablished, DirInput, rst, StateClose},
		{"input rst in syn_recv stays", StateSynRecv, DirInput, rst, StateSynRecv},
		{"input ack in last_ack closes", StateLastAck, DirInput, ack, StateClose},
		{"input syn on time_wait", StateTimeWait, DirInput, syn, StateSynRecv},
		// OUTPUT: server to client.
		{"output synack keeps syn_recv", StateSynRecv, DirOutput, synack, StateSynRecv},
		{"output fin from established", StateEstablished, DirOutput, fin, StateFinWait},
		{"output fin in close_wait", StateCloseWait, DirOutput, fin, StateTimeWait},
		{"output ack in listen", StateListen, DirOutput, ack, StateEstablished},
		{"output rst in time_wait stays", StateTimeWait, DirOutput, rst, StateTimeWait},
		{"output syn from none", StateNone, DirOutput, syn, StateSynSent},
		// INPUT-ONLY: DR/TUN, the director sees the client's half only.
		{"input-only syn opens", StateNone, DirInputOnly, syn, StateSynRecv},
		{"input-only ack completes", StateSynRecv, DirInputOnly, ack, StateEstablished},
		{"input-only fin from established", StateEstablished, DirInputOnly, fin, StateFinWait},
		{"input-only ack in fin_wait", StateFinWait, DirInputOnly, ack, StateFinWait},
		{"input-only fin in fin_wait", StateFinWait, DirInputOnly, fin, StateFinWait},
		{"input-only rst in synack", StateSynAck, DirInputOnly, rst, StateClose},
		// tcp_state_idx: RST wins over SYN; no flag at all closes.
		{"rst+syn is rst", StateEstablished, DirInput, rst | syn, StateClose},
		{"no flags closes", StateEstablished, DirInput, 0, StateClose},
	}
	for _, c := range cases {
		if got := NextTCPState(c.cur, c.dir, c.flags); got != c.want {
			t.Errorf("%s: %v -> %v, want %v", c.name, c.cur, got, c.want)
		}
	}
}

// TestStateTimeouts: tcp_timeouts and udp_timeouts.
func TestStateTimeouts(t *testing.T) {
	want := map[State]time.Duration{
		StateNone: 2 * time.Second, StateEstablished: 15 * time.Minute, StateSynSent: 2 * time.Minute,
		StateSynRecv: time.Minute, StateFinWait: 2 * time.Minute, StateTimeWait: 2 * time.Minute,
		StateClose: 10 * time.Second, StateCloseWait: time.Minute, StateLastAck: 30 * time.Second,
		StateListen: 2 * time.Minute, StateSynAck: 2 * time.Minute, StateUDP: 5 * time.Minute,
	}
	for s := StateNone; s < numStates; s++ {
		if s.Timeout() != want[s] {
			t.Errorf("%v: %v, want %v", s, s.Timeout(), want[s])
		}
	}
}
