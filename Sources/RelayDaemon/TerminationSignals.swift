import CShim
import Libc

/// The daemons' stop signals, which arrive on a signalfd so that the poll loop sees them like
/// any other descriptor (no handler runs in the middle of a frame).
public enum TerminationSignals {
    /// Reads every signal waiting on `signalFD`; true when SIGINT or SIGTERM was among them.
    /// SIGHUP (a closing terminal or SSH session) does not stop a daemon.
    public static func drain(_ signalFD: Int32) -> Bool {
        var stop = false
        while true {
            let signal = pr_signalfd_read(signalFD)
            guard signal > 0 else { return stop }
            if signal == SIGINT || signal == SIGTERM { stop = true }
        }
    }
}
