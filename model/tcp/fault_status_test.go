package tcp

import (
	"net/netip"
	"testing"
	"time"
)

// TestFaultStatus: a service with FaultStatus still accepts and answers,
// with the status it was given (a health URL that turns 503), which is
// what HTTP_GET's status_code check (http_handle_response) sees; a
// status outside 100..599 is refused.
func TestFaultStatus(t *testing.T) {
	w := newWorld(t)
	cs := w.stack("c1", cAddr)
	ss := w.stack("rs1", sAddr)
	if _, err := ss.AddService(web); err != nil {
		t.Fatal(err)
	}
	if err := ss.SetFault(80, Fault{Kind: FaultStatus, Status: 99}); err == nil {
		t.Error("status 99 accepted")
	}
	if err := ss.SetFault(80, Fault{Kind: FaultStatus, Status: 503}); err != nil {
		t.Fatal(err)
	}
	var got ProbeResult
	if _, err := cs.StartProbe(ProbeConfig{To: netip.AddrPortFrom(sAddr, 80), Timeout: 3 * time.Second, HTTP: true}, func(r ProbeResult) { got = r }); err != nil {
		t.Fatal(err)
	}
	w.k.Run(w.k.Now() + 10e9)
	if got.Outcome != ProbeOK || got.Status != 503 {
		t.Errorf("probe: %v status %d, want ok status 503", got.Outcome, got.Status)
	}
}
