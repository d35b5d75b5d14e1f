import ControlProtocol
import Netlink
import PPPoEWire
import UserspaceRelay

/// Turns configured device names into what the dataplane binds to, through rtnetlink.
public enum InterfaceResolver {
    public static func resolve(_ configuration: RelayConfiguration) throws(DaemonError) -> [RelayInterface] {
        var socket: RouteSocket
        do { socket = try RouteSocket() } catch { throw .from(error, errno: error.errno, prefix: "cannot query links: ") }
        let wanted = [(configuration.wanInterface, RelayInterface.Role.wan)]
            + configuration.lanInterfaces.map { ($0, RelayInterface.Role.lan) }
        // Every name is looked up before any is judged: a typo is the likelier mistake and is named first.
        var links: [LinkInfo] = []
        for (name, _) in wanted {
            do { links.append(try socket.link(named: name)) } catch {
                throw .usage("no such interface: \(name)")
            }
        }
        var interfaces: [RelayInterface] = []
        for ((name, role), link) in zip(wanted, links) {
            guard let mac = MACAddress(bytes: link.hardwareAddress), mac != .zero, !mac.isGroup else {
                throw .usage("interface \(name) has no Ethernet address")
            }
            interfaces.append(RelayInterface(name: name, index: link.index, mac: mac, mtu: link.mtu, role: role))
        }
        return interfaces
    }
}
