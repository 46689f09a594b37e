package vrrp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
)

// FuzzHandleAdvertisement feeds random adverts (and link/track events) to a
// running pair: no panic, and the invariants hold after every event.
func FuzzHandleAdvertisement(f *testing.F) {
	f.Add([]byte{2, 1, 51, 200, 0, 1, 1, 255, 0})
	f.Add([]byte{2, 1, 51, 0, 0, 1, 1, 255, 10, 3, 1, 51, 255, 0, 10, 2, 255, 3})
	f.Add([]byte{2, 1, 51, 50, 1, 1, 1, 64, 7, 2, 1, 51, 100, 0, 1, 1, 255, 200})
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, data []byte) {
	if len(data) > 9*200 {
		data = data[:9*200] // keep one execution short
	}
	{
		l := newLAN(t)
		r1 := l.add("r1", 1, fuzzConfig(150, 2))
		r2 := l.add("r2", 2, fuzzConfig(100, 3))
		r1.sp.Start()
		r2.sp.Start()
		l.runFor(5 * time.Second)
		for len(data) >= 9 {
			b := data[:9]
			data = data[9:]
			target := l.routers[int(b[8])%2]
			adv := &wire.VRRP{
				Version: b[0] % 4, Type: b[1] % 3, VRID: 51 + b[2]%2, Priority: b[3],
				AuthType: b[4] % 4, AdverInt: uint16(b[5]) * uint16(1+b[8]%3),
			}
			for i := 0; i < int(b[6]%4); i++ {
				adv.Addrs = append(adv.Addrs, netip.AddrFrom4([4]byte{10, 0, 0, 254 - byte(i)*b[7]%3}))
			}
			dst := wire.VRRPGroup
			if b[7]&0x80 != 0 {
				dst = target.sp.Config().PrimaryIP
			}
			src := netip.AddrFrom4([4]byte{10, 0, 0, b[2]})
			switch b[8] % 16 {
			case 13:
				target.sp.SetInterfaceUp("eth1", b[3]&1 == 0)
			case 14:
				target.sp.SetScriptOK("chk", b[3]&1 == 0)
			case 15:
				target.sp.SetBasePriority(int(b[3]))
			default:
				target.sp.HandleAdvertisement(src, dst, b[7]|b[1], adv)
			}
			l.runFor(time.Duration(b[5]) * 37 * time.Millisecond)
			for _, r := range l.routers {
				checkInvariants(t, r)
			}
		}
		l.runFor(20 * time.Second)
		for _, r := range l.routers {
			checkInvariants(t, r)
		}
	}
}

func fuzzConfig(prio, version int) vrrp.Config {
	c := baseConfig(prio)
	c.Version = version
	if version == 3 {
		c.AdvertInt = 100 * time.Millisecond
	}
	c.TrackInterfaces = []vrrp.Track{{Name: "eth1", Weight: -60, HasWeight: true}}
	c.TrackScripts = []vrrp.Track{{Name: "chk"}}
	return c
}

func checkInvariants(t *testing.T, r *router) {
	t.Helper()
	s := r.sp.State()
	if s > vrrp.StateFault {
		t.Fatalf("%s: invalid state %d", r.name, s)
	}
	if r.master != (s == vrrp.StateMaster) {
		t.Fatalf("%s: owns VIPs %v in state %v", r.name, r.master, s)
	}
	if p := r.sp.EffectivePriority(); p < 1 || p > 255 {
		t.Fatalf("%s: effective priority %d", r.name, p)
	}
	if d := r.sp.MasterDownInterval(); d < 0 {
		t.Fatalf("%s: negative master down interval %v", r.name, d)
	}
}

// FuzzSpeakerLifecycle drives three instances (two of them one router's
// vrrp_sync_group) with random adverts, link/track/priority changes and
// Halt/Start/Shutdown of single instances in any order and state. After
// every event the invariants hold; at the end, with every fault cleared and
// every instance started, each one (alone on its VRID and version) must
// become MASTER: no event sequence may leave an instance stuck.
func FuzzSpeakerLifecycle(f *testing.F) {
	f.Add([]byte{2, 1, 51, 200, 0, 1, 1, 255, 0})
	f.Add([]byte(".00100002800000000800000002")) // fault, halt both, clear
	f.Add([]byte(".00100002800000002"))          // fault, halt the faulty member
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 9*100 {
			data = data[:9*100]
		}
		l := newLAN(t)
		l.add("r1", 1, fuzzConfig(150, 2))
		l.add("r2", 2, fuzzConfig(100, 3))
		c := fuzzConfig(120, 2)
		c.Name, c.VRID = "VI_2", 52
		l.add("r1", 1, c)
		vrrp.NewSyncGroup("G", l.routers[0].sp, l.routers[2].sp)
		for _, r := range l.routers {
			r.sp.Start()
		}
		l.runFor(5 * time.Second)
		for ; len(data) >= 9; data = data[9:] {
			b := data[:9]
			target := l.routers[int(b[8])%3]
			switch b[0] % 16 {
			case 8:
				target.sp.Halt()
			case 9:
				target.sp.Start()
			case 10:
				target.sp.Shutdown()
			case 13:
				target.sp.SetInterfaceUp([]string{"eth1", "eth0"}[b[4]%2], b[3]&1 == 0)
			case 14:
				target.sp.SetScriptOK("chk", b[3]&1 == 0)
			case 15:
				target.sp.SetBasePriority(int(b[3]))
			default:
				adv := &wire.VRRP{
					Version: b[0] % 4, Type: b[1] % 3, VRID: 51 + b[2]%2, Priority: b[3],
					AuthType: b[4] % 4, AdverInt: uint16(b[5]) * uint16(1+b[8]%3),
				}
				for i := 0; i < int(b[6]%4); i++ {
					adv.Addrs = append(adv.Addrs, netip.AddrFrom4([4]byte{10, 0, 0, 254 - byte(i)*b[7]%3}))
				}
				dst := wire.VRRPGroup
				if b[7]&0x80 != 0 {
					dst = target.sp.Config().PrimaryIP
				}
				target.sp.HandleAdvertisement(netip.AddrFrom4([4]byte{10, 0, 0, b[2]}), dst, b[7]|b[1], adv)
			}
			l.runFor(time.Duration(b[5]) * 37 * time.Millisecond)
			for _, r := range l.routers {
				checkInvariants(t, r)
			}
		}
		for _, r := range l.routers {
			r.sp.SetInterfaceUp("eth0", true)
			r.sp.SetScriptOK("chk", true)
			r.sp.Start()
		}
		l.runFor(60 * time.Second)
		for _, r := range l.routers {
			checkInvariants(t, r)
			if got := r.sp.State(); got != vrrp.StateMaster {
				t.Fatalf("%s %s: got %v after 60 s with no fault and no peer, want MASTER", r.name, r.sp.Name(), got)
			}
		}
	})
}
