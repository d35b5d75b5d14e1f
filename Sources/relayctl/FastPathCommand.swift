import ArgumentParsing
import ControlProtocol
import FastPaths
import RouterOperations

extension Relayctl {
    /// `relayctl fastpath status|off|restore`; alone, a usage error (see `missingSubcommand`).
    enum FastPath {
        static let command = CommandDescription(
            name: "fastpath", abstract: "Vendor fast paths that corrupt relaying: list, switch off, restore.",
            subcommands: [Status.command, Off.command, Restore.command])

        struct Status: RelayctlCommand {
            static let command = CommandDescription(
                name: "status", abstract: "List each known fast path and its state.",
                arguments: RootOptions.arguments + ConfigurationOptions.arguments + OutputOptions.arguments)
            var fastPaths: RootOptions
            var saved: ConfigurationOptions
            var output: OutputOptions

            init(parsing values: ParsedValues) {
                fastPaths = RootOptions(parsing: values)
                saved = ConfigurationOptions(parsing: values)
                output = OutputOptions(parsing: values)
            }

            func run() throws(DaemonError) {
                let reports = FastPaths.status(fastPaths.system.relaying(on: relayDevices(saved)))
                if output.json {
                    FileOutput.standardOutput(String(decoding: ControlJSON.encode(
                        FastPaths.StatusDocument(schemaVersion: JSONSchema.version, fastPaths: reports)), as: UTF8.self))
                    return
                }
                for report in reports {
                    let state = !report.present ? "not present"
                        : report.switchedOffByRelay ? "off (switched off by pppoe-relay, restored on disable)"
                        : report.on == true ? "on" : "off"
                    FileOutput.standardOutput("\(report.name): \(state)" + (report.note.map { " (\($0))" } ?? ""))
                }
            }
        }

        struct Off: RelayctlCommand {
            static let command = CommandDescription(
                name: "off", abstract: "Switch off every fast path found on, saving what was found (enable does this).",
                arguments: RootOptions.arguments + ConfigurationOptions.arguments)
            var fastPaths: RootOptions
            var saved: ConfigurationOptions

            init(parsing values: ParsedValues) {
                fastPaths = RootOptions(parsing: values)
                saved = ConfigurationOptions(parsing: values)
            }

            func run() throws(DaemonError) {
                do {
                    let names = try FastPaths.switchOff(fastPaths.system.relaying(on: relayDevices(saved)))
                    if !names.isEmpty { ChangeLog.record("fastpath off", "switched off " + names.joined(separator: ", "), root: fastPaths.root) }
                    FileOutput.standardOutput(names.isEmpty ? "no fast path to switch off"
                                              : "switched off " + names.joined(separator: ", "))
                } catch { throw DaemonError.failure(error.description) }
            }
        }

        struct Restore: RelayctlCommand {
            static let command = CommandDescription(
                name: "restore", abstract: "Put back every fast path switched off, as it was found (disable does this).",
                arguments: RootOptions.arguments)
            var fastPaths: RootOptions

            init(parsing values: ParsedValues) {
                fastPaths = RootOptions(parsing: values)
            }

            func run() throws(DaemonError) {
                do {
                    let names = try FastPaths.restore(fastPaths.system)
                    if !names.isEmpty { ChangeLog.record("fastpath restore", "restored " + names.joined(separator: ", "), root: fastPaths.root) }
                    FileOutput.standardOutput(names.isEmpty ? "nothing to restore" : "restored " + names.joined(separator: ", "))
                } catch { throw DaemonError.failure(error.description) }
            }
        }
    }
}

/// The devices of the saved configuration, which flowtables are checked against (none if not enabled).
private func relayDevices(_ saved: ConfigurationOptions) -> [String] {
    guard let configuration = try? ConfigurationFile.load(saved.resolvedPath) else { return [] }
    return [configuration.wanInterface] + configuration.lanInterfaces
}
