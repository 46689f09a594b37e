package lb

import (
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// State is an IPVS connection state (IP_VS_TCP_S_*; UDP entries are in
// StateUDP, the one state of ip_vs_proto_udp.c).
type State uint8

// TCP states in the kernel's order (include/net/ip_vs.h), then UDP.
const (
	StateNone State = iota
	StateEstablished
	StateSynSent
	StateSynRecv
	StateFinWait
	StateTimeWait
	StateClose
	StateCloseWait
	StateLastAck
	StateListen
	StateSynAck
	StateUDP
	numStates
)

var stateNames = [numStates]string{"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK", "UDP"}

func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return "?"
}

// timeouts are tcp_timeouts (ip_vs_proto_tcp.c) and udp_timeouts
// (ip_vs_proto_udp.c, IP_VS_UDP_S_NORMAL 5 min).
var timeouts = [numStates]time.Duration{
	StateNone:        2 * time.Second,
	StateEstablished: 15 * time.Minute,
	StateSynSent:     2 * time.Minute,
	StateSynRecv:     1 * time.Minute,
	StateFinWait:     2 * time.Minute,
	StateTimeWait:    2 * time.Minute,
	StateClose:       10 * time.Second,
	StateCloseWait:   60 * time.Second,
	StateLastAck:     30 * time.Second,
	StateListen:      2 * time.Minute,
	StateSynAck:      120 * time.Second,
	StateUDP:         5 * time.Minute,
}

// Timeout returns the kernel's default timeout of a state.
func (s State) Timeout() time.Duration {
	if s < numStates {
		return timeouts[s]
	}
	return 0
}

// Direction is the way a packet crosses the director, as set_tcp_state
// picks its table: INPUT (client to server), OUTPUT (server to client),
// INPUT-ONLY (client to server on an entry that never saw a reply:
// IP_VS_CONN_F_NOOUTPUT, set for DR and TUN).
type Direction uint8

// Directions, with the kernel's table offsets (TCP_DIR_*) / 4.
const (
	DirInput Direction = iota
	DirOutput
	DirInputOnly
)

// The rows of a direction's table are indexed by tcp_state_idx.
const (
	rowSyn = iota
	rowFin
	rowAck
	rowRst
)

// Short names so the table reads like tcp_states in ip_vs_proto_tcp.c.
const (
	sNO = StateNone
	sES = StateEstablished
	sSS = StateSynSent
	sSR = StateSynRecv
	sFW = StateFinWait
	sTW = StateTimeWait
	sCL = StateClose
	sCW = StateCloseWait
	sLA = StateLastAck
	sLI = StateListen
	sSA = StateSynAck
)

// tcpStates is tcp_states (secure_tcp off): [direction][row][current].
var tcpStates = [3][4][11]State{
	DirInput: {
		//       sNO, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI, sSA
		rowSyn: {sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR},
		rowFin: {sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW},
		rowAck: {sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES},
		rowRst: {sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR},
	},
	DirOutput: {
		rowSyn: {sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR},
		rowFin: {sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW},
		rowAck: {sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES},
		rowRst: {sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL},
	},
	DirInputOnly: {
		rowSyn: {sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR},
		rowFin: {sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW},
		rowAck: {sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES},
		rowRst: {sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL},
	},
}

// NextTCPState is set_tcp_state's table lookup: the state after a packet
// with flags crosses in direction dir. The row is tcp_state_idx: RST
// first, then SYN, FIN, ACK; a segment with none of them moves the entry
// to CLOSE (new_state starts as IP_VS_TCP_S_CLOSE).
func NextTCPState(cur State, dir Direction, flags uint8) State {
	if cur > sSA || dir > DirInputOnly {
		return StateClose
	}
	row := -1
	switch {
	case flags&wire.TCPRst != 0:
		row = rowRst
	case flags&wire.TCPSyn != 0:
		row = rowSyn
	case flags&wire.TCPFin != 0:
		row = rowFin
	case flags&wire.TCPAck != 0:
		row = rowAck
	}
	if row < 0 {
		return StateClose
	}
	return tcpStates[dir][row][cur]
}
