/// The steps `relayctl check` reports, with numbers that never change meaning (scripts and
/// routers' web pages key on them, as the vendor "pppoeCheck" pages do on theirs): 1-9 are
/// steps that happened, 20 and up are the failures that end a check. New steps get new numbers.
public enum CheckStep: Int, Sendable, CaseIterable {
    case serverFound = 1
    case sessionOpened = 2
    case linkUp = 3
    case authenticated = 4
    case ipv4Configured = 5
    case ipv6Configured = 6
    case ipv6NotOffered = 7
    case hungUp = 8

    case noServer = 20
    case serviceNameError = 21
    case acSystemError = 22
    case genericError = 23
    case noSession = 24
    case linkFailed = 25
    case authenticationFailed = 26
    case networkFailed = 27
    case acTerminated = 28
    case timedOut = 29
    case alreadyRunning = 30
    case localError = 31
    case sessionRefused = 32
    case reservedSessionID = 33
    case authenticationNotAllowed = 34

    /// The step's name in JSON: stable like its number.
    public var name: String {
        switch self {
        case .serverFound: "server_found"
        case .sessionOpened: "session_opened"
        case .linkUp: "link_up"
        case .authenticated: "authenticated"
        case .ipv4Configured: "ipv4_configured"
        case .ipv6Configured: "ipv6_configured"
        case .ipv6NotOffered: "ipv6_not_offered"
        case .hungUp: "hung_up"
        case .noServer: "no_server"
        case .serviceNameError: "service_name_error"
        case .acSystemError: "ac_system_error"
        case .genericError: "generic_error"
        case .noSession: "no_session"
        case .linkFailed: "link_failed"
        case .authenticationFailed: "authentication_failed"
        case .networkFailed: "network_failed"
        case .acTerminated: "ac_terminated"
        case .timedOut: "timed_out"
        case .alreadyRunning: "already_running"
        case .localError: "local_error"
        case .sessionRefused: "session_refused"
        case .reservedSessionID: "reserved_session_id"
        case .authenticationNotAllowed: "authentication_not_allowed"
        }
    }

    /// What the step means, for the README's table and `relayctl check --help`.
    public var meaning: String {
        switch self {
        case .serverFound: "an access concentrator answered the PADI with a PADO"
        case .sessionOpened: "the AC confirmed a session (PADS)"
        case .linkUp: "LCP opened: MRU and the authentication the AC asks for agreed"
        case .authenticated: "the AC accepted the account (PAP, CHAP-MD5 or MS-CHAPv2)"
        case .ipv4Configured: "IPCP opened: the address and DNS servers the AC assigned"
        case .ipv6Configured: "IPv6CP opened: interface identifiers agreed"
        case .ipv6NotOffered: "the AC did not offer IPv6CP (rejected it or never answered)"
        case .hungUp: "LCP terminated and PADT sent: the line is free again"
        case .noServer: "no access concentrator answered (no PADO, or none with the AC name asked for)"
        case .serviceNameError: "the AC refused the service name (Service-Name-Error)"
        case .acSystemError: "the AC reported an internal error (AC-System-Error)"
        case .genericError: "the AC refused with Generic-Error"
        case .noSession: "a PADO came but no PADS confirmed the session"
        case .linkFailed: "LCP did not open (the text names the option the AC kept asking for)"
        case .authenticationFailed: "the AC refused the account: its message says why"
        case .networkFailed: "IPCP did not open: no IPv4 configuration"
        case .acTerminated: "the AC ended the link (LCP Terminate-Request or PADT)"
        case .timedOut: "no answer from the AC within --timeout"
        case .alreadyRunning: "another check is running on this interface"
        case .localError: "this machine could not run the check (interface, socket, password file)"
        case .sessionRefused: "the AC answered the PADR with session id 0 and no error tag: a refusal without a reason"
        case .reservedSessionID: "the AC's PADS gave session id 0xFFFF, which RFC 2516 reserves: no session"
        case .authenticationNotAllowed:
            "the AC asked for an authentication method --allow leaves out: refused, the password was not sent"
        }
    }

    public var isFailure: Bool { rawValue >= 20 }
}
