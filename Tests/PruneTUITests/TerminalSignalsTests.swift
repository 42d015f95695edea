import Testing

@testable import PruneTUI

#if canImport(Glibc)
import Glibc
#endif

/// What can be checked without dying: the bytes the crash handler writes,
/// prepared before it is installed, and the exit status after an interrupt.
/// The handler itself is run against the real binary in prunescopeTests
/// (TerminalSignalEndToEndTests).
@Suite struct TerminalSignalsTests {
    @Test func crashRestoreBytesPutTheTerminalBack() {
        let text = String(decoding: TerminalSignals.crashRestoreSequence, as: UTF8.self)
        let esc = "\u{1b}"
        for (sequence, what) in [
            ("\(esc)[?1049l", "leave the alternate screen"), ("\(esc)[?25h", "show the cursor"),
            ("\(esc)[0m", "reset attributes"), ("\(esc)[?1000l", "mouse clicks off"),
            ("\(esc)[?1002l", "mouse drags off"), ("\(esc)[?1006l", "SGR mouse off"),
        ] {
            #expect(text.contains(sequence), "\(what)")
        }
        #expect(text.hasSuffix("\r\n"))
        // Mouse off and attributes reset before the alternate screen is left.
        let leave = text.range(of: "\(esc)[?1049l")
        let mouse = text.range(of: "\(esc)[?1002l")
        if let leave, let mouse { #expect(mouse.lowerBound < leave.lowerBound) }
    }

    @Test func preparedMemoryHoldsTheBytes() {
        TerminalSignals.prepareCrashRestore()
        #expect(TerminalSignals.preparedRestoreBytes == TerminalSignals.crashRestoreSequence)
    }

    @Test func crashSignalsAreTheFatalOnes() {
        for s in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT] { #expect(TerminalSignals.crashSignals.contains(s)) }
        #expect(Set(TerminalSignals.interruptSignals) == [SIGINT, SIGTERM, SIGHUP])
        #expect(Set(TerminalSignals.crashSignals).isDisjoint(with: TerminalSignals.interruptSignals))
    }

    @Test func interruptExitStatusIs128PlusTheSignal() {
        #expect(NcursesTerminal.exitStatus(afterInterrupt: SIGTERM) == 143)
        #expect(NcursesTerminal.exitStatus(afterInterrupt: SIGHUP) == 129)
        #expect(NcursesTerminal.exitStatus(afterInterrupt: SIGINT) == 130)
        #expect(NcursesTerminal.exitStatus(afterInterrupt: nil) == 130, "Ctrl-C read as a key")
    }
}
