import CNcurses
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A problem taking over the terminal.
public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal
    case initFailed(term: String)

    public var description: String {
        switch self {
        case .notATerminal: "standard input/output is not a terminal; the interactive screen needs one"
        case .initFailed(let t): "ncurses could not start on TERM=\(t); try TERM=xterm-256color"
        }
    }
}

/// The real terminal through ncursesw: wide characters, colours reduced to
/// what the terminal reports, mouse with drag reporting, resize as events.
/// Restores the terminal on `stop()`, at exit, on SIGINT/SIGTERM/SIGHUP (as
/// an `.interrupt` event; `interruptExitStatus` is then the status to exit
/// with) and on crash signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
/// SIGQUIT: restored from a handler, then the signal kills the process).
/// While active, stderr goes to a log file whose path `stop()` returns if
/// anything was written.
public final class NcursesTerminal: TerminalDriver {
    public private(set) var size: Size
    public let capability: ColorCapability
    public let glyphs: Glyphs
    public let time: any TimeSource = MonotonicTime()

    private let window: UnsafeMutablePointer<WINDOW>
    private let directColor: Bool
    private let colorCount: Int
    private let maxPairs: Int
    private var pairs: [UInt64: Int32] = [:]
    private var nextPair: Int32 = 1
    private var colorNumbers: [UInt32: Int32] = [:]
    private let logPath: String
    private var stopped = false
    /// Reads q and Ctrl-C itself while the UI thread is away from `readEvent` too long.
    private let busyWatchdog = BusyWatchdog(quit: { status, message in
        restoreTerminalFromSignal()
        let line = Array((message + "\n").utf8)
        line.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
        _exit(status)
    })

    /// The signal behind the last `.interrupt` event (SIGINT, SIGTERM or
    /// SIGHUP); nil while none has arrived.
    public private(set) var interruptSignal: Int32?

    /// The status to exit with after an `.interrupt`: 128 plus the signal's
    /// number, as a shell reports a program the signal killed (130 for
    /// SIGINT, 143 for SIGTERM, 129 for SIGHUP); 130 if no signal was seen.
    ///
    ///     if runner.wasInterrupted { throw ExitCode(terminal.interruptExitStatus) }
    public var interruptExitStatus: Int32 {
        NcursesTerminal.exitStatus(afterInterrupt: interruptSignal)
    }

    /// `interruptExitStatus` for a given signal (nil: none seen, as for SIGINT).
    public static func exitStatus(afterInterrupt signal: Int32?) -> Int32 {
        TerminalSignals.exitStatus(forSignal: signal ?? SIGINT)
    }

    /// Takes over the terminal.
    /// - Parameters:
    ///   - ascii: force ASCII glyphs (they are also used when the locale is not UTF-8).
    ///   - environment: read for `NO_COLOR` and `TERM`.
    public init(ascii: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard isatty(0) != 0, isatty(1) != 0 else { throw TerminalError.notATerminal }
        setlocale(LC_ALL, "")
        let codeset = String(cString: ps_codeset())
        let utf8 = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        glyphs = (ascii || !utf8) ? .ascii : .unicode

        TerminalSignals.install()
        logPath = NSTemporaryDirectory() + "prunescope-\(getpid()).log"
        NcursesTerminal.redirectStderr(to: logPath)
        TerminalSignals.setLogPath(logPath)

        ps_set_escdelay(25)
        guard let w = initscr() else {
            restoreTerminalNow()
            throw TerminalError.initFailed(term: environment["TERM"] ?? "")
        }
        window = w
        cursesActive.store(true, ordering: .sequentiallyConsistent)
        cbreak()
        noecho()
        nonl()
        keypad(w, true)
        intrflush(w, false)
        curs_set(0)
        var colors = 0
        var direct = false
        if has_colors() {
            start_color()
            use_default_colors()
            colors = Int(ps_colors())
            direct = colors >= 0x100_0000 || tigetflag("RGB") > 0
        }
        directColor = direct
        colorCount = colors
        maxPairs = Int(ps_color_pairs())
        capability = ColorCapability.detect(colors: colors, environment: environment, directColor: direct)

        let mask = ps_all_mouse_events() | ps_report_mouse_position()
        mousemask(mask, nil)
        mouseinterval(0)
        // Button-event tracking so drags arrive as motion reports.
        let enableDrag = Array("\u{1b}[?1002h".utf8)
        enableDrag.withUnsafeBufferPointer { _ = write(1, $0.baseAddress, $0.count) }
        mouseTrackingOn.store(true, ordering: .relaxed)

        var y: Int32 = 0, x: Int32 = 0
        ps_getmaxyx(w, &y, &x)
        size = Size(width: Int(x), height: Int(y))
        busyWatchdog.start()
        // Until the first wait for input, the UI thread is busy (opening, the first frame).
        busyWatchdog.busy()
    }

    deinit { stop() }

    /// Leaves curses mode and restores the signal handlers and stderr.
    /// Returns the log path if anything was written to stderr meanwhile.
    @discardableResult
    public func stop() -> String? {
        guard !stopped else { return nil }
        stopped = true
        busyWatchdog.stop()
        restoreTerminalNow()
        TerminalSignals.uninstall()
        TerminalSignals.setLogPath(nil)
        let attrs = try? FileManager.default.attributesOfItem(atPath: logPath)
        if let n = attrs?[.size] as? NSNumber, n.intValue > 0 { return logPath }
        unlink(logPath)
        return nil
    }

    private static func redirectStderr(to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let saved = dup(2)
        if saved >= 0, dup2(fd, 2) >= 0 { savedStderrFD.store(saved, ordering: .sequentiallyConsistent) }
        close(fd)
    }

    // MARK: Output

    @discardableResult
    public func present(_ frame: CellBuffer, previous: CellBuffer?) -> Int {
        var n = draw(frame, previous: previous)
        if n < 0 {
            // Ran out of colour pairs: start the cache again and repaint everything.
            pairs.removeAll(keepingCapacity: true)
            nextPair = 1
            n = max(0, draw(frame, previous: nil))
        }
        wnoutrefresh(window)
        doupdate()
        return n
    }

    /// Copies changed cells into ncurses; -1 if colour pairs ran out.
    private func draw(_ frame: CellBuffer, previous: CellBuffer?) -> Int {
        let full = previous?.size != frame.size
        if full { wclear(window) }
        var cc = cchar_t()
        var n = 0
        let w = frame.width
        let ok = frame.cells.withUnsafeBufferPointer { cur -> Bool in
            let prev = full ? nil : previous
            return (prev?.cells ?? []).withUnsafeBufferPointer { old -> Bool in
                for y in 0..<frame.height {
                    for x in 0..<w {
                        let i = y * w + x
                        let c = cur[i]
                        if !full && old[i] == c { continue }
                        if c.isContinuation { continue }
                        guard let pair = pairNumber(c.style) else { return false }
                        _ = ps_setcchar1(&cc, wchar_t(bitPattern: c.char.value), attributes(c.style.attributes), pair)
                        mvwadd_wch(window, Int32(y), Int32(x), &cc)
                        n += 1
                    }
                }
                return true
            }
        }
        return ok ? n : -1
    }

    private func attributes(_ a: Attributes) -> attr_t {
        var r = ps_a_normal()
        if a.contains(.bold) { r |= ps_a_bold() }
        if a.contains(.dim) { r |= ps_a_dim() }
        if a.contains(.underline) { r |= ps_a_underline() }
        if a.contains(.reverse) { r |= ps_a_reverse() }
        if a.contains(.italic) { r |= ps_a_italic() }
        return r
    }

    private func colorNumber(_ c: Color) -> Int32 {
        if c.isDefault { return -1 }
        if let n = colorNumbers[c.raw] { return n }
        let n: Int32
        switch capability {
        case .truecolor: n = directColor ? Int32(bitPattern: c.raw) : Int32(ColorCapability.xterm256Index(c))
        case .palette256: n = Int32(ColorCapability.xterm256Index(c))
        case .ansi16: n = Int32(ColorCapability.ansi16Index(c) % max(1, min(16, colorCount)))
        case .monochrome: n = -1
        }
        colorNumbers[c.raw] = n
        return n
    }

    /// The pair for a style's colours, allocated on first use; nil when full.
    private func pairNumber(_ s: Style) -> Int32? {
        if capability == .monochrome || (s.fg.isDefault && s.bg.isDefault) { return 0 }
        let fg = colorNumber(s.fg), bg = colorNumber(s.bg)
        if fg == -1 && bg == -1 { return 0 }
        let key = UInt64(UInt32(bitPattern: fg)) << 32 | UInt64(UInt32(bitPattern: bg))
        if let p = pairs[key] { return p }
        guard Int(nextPair) < maxPairs else { return nil }
        let p = nextPair
        init_extended_pair(p, fg, bg)
        nextPair += 1
        pairs[key] = p
        return p
    }

    // MARK: Input

    public func readEvent(timeout: Double, waker: Waker?) -> TerminalEvent? {
        // Keys the watchdog read while the UI thread was busy go back into
        // curses's queue (last first: ungetch pushes to the front), to be
        // decoded as if just typed.
        for byte in busyWatchdog.idle().reversed() { ungetch(Int32(byte)) }
        defer { busyWatchdog.busy() }
        if takeInterrupt() { return .interrupt }
        wtimeout(window, 0)
        if let e = readOne() { return e }
        var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
        if let waker { fds.append(pollfd(fd: waker.readFD, events: Int16(POLLIN), revents: 0)) }
        let ms = Int32(max(0, min(timeout, 10) * 1000).rounded(.up))
        _ = poll(&fds, nfds_t(fds.count), ms)
        if takeInterrupt() { return .interrupt }
        if fds.count > 1, fds[1].revents != 0 { waker?.drain() }
        return readOne()
    }

    /// Whether an interrupt signal is pending; takes it and remembers which.
    private func takeInterrupt() -> Bool {
        let signal = TerminalSignals.takePending()
        guard signal != 0 else { return false }
        interruptSignal = signal
        return true
    }

    private func readOne() -> TerminalEvent? {
        var ch: wint_t = 0
        let r = wget_wch(window, &ch)
        if r == ERR { return nil }
        if r == ps_key_code_yes() { return keyCode(Int32(ch)) }
        return character(UInt32(ch))
    }

    private func character(_ v: UInt32) -> TerminalEvent? {
        switch v {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26: return .key(.ctrl(Character(Unicode.Scalar(UInt8(96 + v)))))
        default:
            guard let s = Unicode.Scalar(v) else { return nil }
            return .key(.char(Character(s)))
        }
    }

    private func keyCode(_ k: Int32) -> TerminalEvent? {
        switch k {
        case ps_key_resize():
            var y: Int32 = 0, x: Int32 = 0
            ps_getmaxyx(window, &y, &x)
            size = Size(width: Int(x), height: Int(y))
            return .resize(size)
        case ps_key_mouse(): return mouse()
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_SLEFT: return .key(.shiftLeft)
        case KEY_SRIGHT: return .key(.shiftRight)
        case KEY_SR: return .key(.shiftUp)
        case KEY_SF: return .key(.shiftDown)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_ENTER: return .key(.enter)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_IC: return .key(.insert)
        case KEY_BTAB: return .key(.backTab)
        default:
            if k >= ps_key_f(1), k <= ps_key_f(24) { return .key(.function(Int(k - ps_key_f(0)))) }
            return nil
        }
    }

    private func mouse() -> TerminalEvent? {
        var ev = MEVENT()
        guard getmouse(&ev) == OK else { return nil }
        let b = ev.bstate
        let x = Int(ev.x), y = Int(ev.y)
        if b & ps_button4_pressed() != 0 { return .mouse(MouseEvent(.wheelUp, button: 0, x: x, y: y)) }
        if b & ps_button5_pressed() != 0 { return .mouse(MouseEvent(.wheelDown, button: 0, x: x, y: y)) }
        if b & ps_button1_pressed() != 0 { return .mouse(MouseEvent(.press, button: 1, x: x, y: y)) }
        if b & ps_button1_released() != 0 { return .mouse(MouseEvent(.release, button: 1, x: x, y: y)) }
        if b & ps_button1_clicked() != 0 { return .mouse(MouseEvent(.click, button: 1, x: x, y: y)) }
        if b & ps_button1_double_clicked() != 0 { return .mouse(MouseEvent(.doubleClick, button: 1, x: x, y: y)) }
        if b & ps_button3_pressed() != 0 { return .mouse(MouseEvent(.press, button: 3, x: x, y: y)) }
        if b & ps_report_mouse_position() != 0 { return .mouse(MouseEvent(.drag, button: 1, x: x, y: y)) }
        return nil
    }

    // MARK: Suspend

    public func setQuitsOnQ(_ quits: Bool) { busyWatchdog.setQQuits(quits) }

    public func suspend() {
        // Whoever has the terminal now reads the keys.
        for byte in busyWatchdog.idle().reversed() { ungetch(Int32(byte)) }
        def_prog_mode()
        endwin()
    }

    public func resume() {
        reset_prog_mode()
        wrefresh(window)
    }
}
