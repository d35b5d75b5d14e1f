import ControlProtocol
import RelayDaemon
import RelayLog

/// The daemon's logger, for `run` and `daemon`: the destination the configuration names, or
/// the one what started the daemon implies (`LogDestination.automatic`).
struct DaemonLog {
    let destination: LogDestination
    let logger: Logger

    init(_ configuration: RelayConfiguration) throws(DaemonError) {
        if let argument = configuration.log {
            guard let given = LogDestination(argument: argument) else {
                throw .usage("--log must be syslog or stderr, not \(argument)")
            }
            destination = given
        } else {
            destination = .automatic()
        }
        logger = Logger.relay(to: destination, verbose: configuration.verbose)
    }

    /// Starts the daemon. A failure to start is logged too when the log is syslog: standard
    /// error already gets the command's own one-line error.
    func start(_ configuration: RelayConfiguration) throws(DaemonError) -> RelayDaemon {
        do { return try RelayDaemon(configuration: configuration, log: logger) } catch {
            if case .syslog = destination { logger.error("not started: \(error.description)") }
            throw error
        }
    }
}
