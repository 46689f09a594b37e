package scenarios

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
)

// Notify holds keepalived's notify commands of a vrrp instance, as argv.
// They are never run: each one keepalived would fire is traced with its
// argv (model/vrrp/notify.go).
type Notify struct {
	Master, Backup, Fault, Stop []string // notify_master, notify_backup, notify_fault, notify_stop
	Generic                     []string // notify: gets INSTANCE NAME STATE PRIORITY appended
	FIFO                        string   // notify_fifo path (global_defs in keepalived.conf)
	RxLowerPri                  []string // notify_master_rx_lower_pri: a MASTER heard a lower-priority advert
}

// notifyKeys are the instance keys of Notify, with keepalived's names.
var notifyKeys = []string{"notify_master", "notify_backup", "notify_fault", "notify_stop", "notify", "notify_fifo", "notify_master_rx_lower_pri"}

// notify decodes an instance's notify keys. A command is a string, split
// at blanks, or a list: the argv as written (for arguments with blanks).
func (d *decoder) notify(o *object) Notify {
	var n Notify
	for _, k := range notifyKeys {
		if k != "notify_fifo" && o.has(k) {
			n.Set(k, d.argv(o, k))
		}
	}
	if v, ok := o.str("notify_fifo"); ok {
		n.FIFO = v
	}
	return n
}

func (d *decoder) argv(o *object, key string) []string {
	n, ok := o.lookup(key)
	if !ok {
		return nil
	}
	var argv []string
	if s, ok := scalarText(n); ok {
		argv = strings.Fields(s)
	} else if _, ok := base(n).(*ast.SequenceNode); ok {
		for _, v := range d.list(n, key+" of "+o.what) {
			if s, ok := scalarText(v); ok {
				argv = append(argv, s)
			} else {
				d.add(d.pos(v), "%s of %s: want a word, got %s; valid: a command line or a list of words", key, o.what, describe(v))
			}
		}
	} else {
		o.bad(key, "want a command, got %s; valid: a command line like /etc/keepalived/master.sh, or a list of words", describe(n))
		return nil
	}
	if len(argv) == 0 {
		o.bad(key, "empty command; valid: a command line like /etc/keepalived/master.sh")
	}
	return argv
}

// groupNotifyKeys are the vrrp_sync_group keys of Notify (notify_fifo is
// global, notify_master_rx_lower_pri an instance's).
var groupNotifyKeys = notifyKeys[:5]

// vrrp is n for the speaker: the same fields (a conversion, so the two
// cannot drift apart without the build saying so).
func (n Notify) vrrp() vrrp.Notify { return vrrp.Notify(n) }

// Set sets the command of a notify keyword (notify_master, notify_backup,
// notify_fault, notify_stop, notify, notify_master_rx_lower_pri); false
// for another keyword (the keepalived.conf reader's notify_deleted).
func (n *Notify) Set(keyword string, argv []string) bool {
	switch keyword {
	case "notify_master":
		n.Master = argv
	case "notify_backup":
		n.Backup = argv
	case "notify_fault":
		n.Fault = argv
	case "notify_stop":
		n.Stop = argv
	case "notify":
		n.Generic = argv
	case "notify_master_rx_lower_pri":
		n.RxLowerPri = argv
	default:
		return false
	}
	return true
}
