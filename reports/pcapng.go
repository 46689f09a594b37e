package reports

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/vrrpsim/vrrpsim/sim"
)

// PcapngInterface is one capture interface of a pcapng file: a node's
// interface and the segment it is plugged into.
type PcapngInterface struct {
	Node, Iface, Segment string
}

// Name is the interface name Wireshark shows (frame.interface_name).
func (i PcapngInterface) Name() string { return i.Node + ":" + i.Iface }

// port is the lan port name the trace uses for it ("r1/eth0").
func (i PcapngInterface) port() string { return i.Node + "/" + i.Iface }

func (i PcapngInterface) description() string { return "segment " + i.Segment }

// PcapngWriter writes a run as pcapng (RFC draft-ietf-opsawg-pcapng, via
// gopacket's pcapgo NgWriter) with one Interface Description Block per
// node interface, so Wireshark's frame.interface_name says which node sent
// each frame. A frame is captured where it enters its segment, on the
// sending interface, flagged outbound, and, when the segments trace their
// deliveries (sim.KindDeliver), again on every interface it reached,
// flagged inbound: Wireshark then shows who saw what (a frame the switch
// did not flood to a port, or dropped, is not on that port's interface).
// VRRP state changes, timeline actions and a director's real-server
// changes become comments (opt_comment) on the next frame written, each
// with its own virtual time, since pcapng has no block for a bare note.
type PcapngWriter struct {
	w        *pcapgo.NgWriter
	epoch    time.Time
	ids      map[string]int // lan port name -> interface id
	segment  string         // "" or the one segment captured
	pending  []string       // comments waiting for the next frame
	outbound pcapgo.NgEpbFlags
	inbound  pcapgo.NgEpbFlags
	err      error
}

// NewPcapngWriter writes the section header and one interface block per
// entry of ifaces (in that order, so the file does not depend on map
// order), and returns a writer whose Trace method is a sim.Tracer.
// segment, if not empty, keeps only that segment's interfaces and frames.
func NewPcapngWriter(w io.Writer, epoch time.Time, ifaces []PcapngInterface, segment string) (*PcapngWriter, error) {
	var keep []PcapngInterface
	for _, i := range ifaces {
		if segment == "" || i.Segment == segment {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		if segment != "" {
			return nil, fmt.Errorf("reports: pcapng: no interface on segment %q", segment)
		}
		return nil, fmt.Errorf("reports: pcapng: no interfaces to capture on")
	}
	// Fixed section info: the defaults name the build machine, which
	// would make the same run give different bytes on another host.
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "vrrpsim"}}
	ng, err := pcapgo.NewNgWriterInterface(w, ngInterface(keep[0]), opts)
	if err != nil {
		return nil, fmt.Errorf("reports: writing pcapng header: %w", err)
	}
	p := &PcapngWriter{w: ng, epoch: epoch, ids: map[string]int{keep[0].port(): 0}, segment: segment}
	p.outbound.Direction = pcapgo.NgEpbFlagDirectionOutbound
	p.inbound.Direction = pcapgo.NgEpbFlagDirectionInbound
	for _, i := range keep[1:] {
		if _, dup := p.ids[i.port()]; dup {
			return nil, fmt.Errorf("reports: pcapng: interface %s listed twice", i.Name())
		}
		id, err := ng.AddInterface(ngInterface(i))
		if err != nil {
			return nil, fmt.Errorf("reports: writing pcapng interface %s: %w", i.Name(), err)
		}
		p.ids[i.port()] = id
	}
	return p, nil
}

func ngInterface(i PcapngInterface) pcapgo.NgInterface {
	return pcapgo.NgInterface{
		Name:                i.Name(),
		Description:         i.description(),
		LinkType:            layers.LinkTypeEthernet,
		SnapLength:          pcapSnaplen,
		TimestampResolution: 9,
	}
}

// Trace writes frames and queues comments for state changes and actions.
// After the first write error it writes nothing more; Err reports it.
func (p *PcapngWriter) Trace(r *sim.Record) {
	if p.err != nil {
		return
	}
	switch r.Kind {
	case sim.KindState:
		p.pending = append(p.pending, fmt.Sprintf("%s %s %s %s -> %s (%s)", r.At, r.Node, r.Comp, r.From, r.To, r.Reason))
	case sim.KindAction:
		p.pending = append(p.pending, fmt.Sprintf("%s action: %s", r.At, r.Event))
	case sim.KindIPVS:
		// A director's real server added, removed or re-weighted: what
		// changes where its connections go.
		if r.Event == "dest" {
			p.pending = append(p.pending, fmt.Sprintf("%s %s %s: real server %s (%s, weight %d)", r.At, r.Node, r.Comp, r.To, r.Reason, r.Value))
		}
	case sim.KindProxy:
		// the nginx upstream as configured, and what max_fails did to it
		if s := proxyComment(r); s != "" {
			p.pending = append(p.pending, s)
		}
	case sim.KindFrame, sim.KindDeliver:
		if p.segment != "" && r.Node != p.segment {
			return
		}
		p.frame(r)
	}
}

func (p *PcapngWriter) frame(r *sim.Record) {
	id, ok := p.ids[r.Comp]
	if !ok {
		// A port the caller did not list (a model added one): give it
		// an interface block when first seen rather than lose frames.
		node, iface, _ := strings.Cut(r.Comp, "/")
		i := PcapngInterface{Node: node, Iface: iface, Segment: r.Node}
		var err error
		if id, err = p.w.AddInterface(ngInterface(i)); err != nil {
			p.err = fmt.Errorf("reports: writing pcapng interface %s: %w", i.Name(), err)
			return
		}
		p.ids[r.Comp] = id
	}
	data := r.Frame
	if len(data) > pcapSnaplen {
		data = data[:pcapSnaplen]
	}
	ci := gopacket.CaptureInfo{Timestamp: p.epoch.Add(time.Duration(r.At)), CaptureLength: len(data), Length: len(r.Frame), InterfaceIndex: id}
	flags := &p.outbound
	if r.Kind == sim.KindDeliver {
		flags = &p.inbound
	}
	opts := pcapgo.NgPacketOptions{Flags: flags, Comments: p.pending}
	if err := p.w.WritePacketWithOptions(ci, data, opts); err != nil {
		p.err = fmt.Errorf("reports: writing pcapng packet at %s: %w", r.At, err)
	}
	p.pending = p.pending[:0]
}

// Close flushes the buffered blocks; call it before closing the file.
// Comments still pending (nothing was sent after them) are lost.
func (p *PcapngWriter) Close() error {
	if p.err != nil {
		return p.err
	}
	if err := p.w.Flush(); err != nil {
		p.err = fmt.Errorf("reports: flushing pcapng: %w", err)
	}
	return p.err
}

// Err returns the first write error, if any.
func (p *PcapngWriter) Err() error { return p.err }
