import Foundation

/// Messages the demo's background work posts to the UI thread.
public enum DemoMessage: Sendable {
    /// One simulated retraining step: step index and loss.
    case trainingStep(Int, Double)
    case trainingDone
}

/// A synthetic layer for the demo: a weight matrix drawn from a seeded normal.
public struct DemoLayer: Sendable {
    public var name: String
    public var rows: Int
    public var columns: Int
    public var weights: [Float]
    /// |w| sorted ascending, for counting what a threshold prunes.
    var sortedMagnitudes: [Float]
    var maxAbs: Double
    var histogram: (counts: [Double], range: ClosedRange<Double>)

    init(name: String, rows: Int, columns: Int, seed: UInt64) {
        self.name = name; self.rows = rows; self.columns = columns
        var rng = DemoRandom(seed: seed)
        let sigma = 1 / Double(columns).squareRoot()
        weights = (0..<(rows * columns)).map { _ in Float(rng.normal() * sigma) }
        sortedMagnitudes = weights.map(abs).sorted()
        maxAbs = Double(sortedMagnitudes.last ?? 1)
        histogram = Histogram.bin(weights, bins: 120, range: -maxAbs...maxAbs)
    }

    /// Fraction of weights with |w| < t.
    func sparsity(threshold t: Double) -> Double {
        var lo = 0, hi = sortedMagnitudes.count
        let f = Float(t)
        while lo < hi { let m = (lo + hi) / 2; if sortedMagnitudes[m] < f { lo = m + 1 } else { hi = m } }
        return sortedMagnitudes.isEmpty ? 0 : Double(lo) / Double(sortedMagnitudes.count)
    }
}

/// SplitMix64 with Box-Muller: the demo's own seeded numbers (the toolkit
/// does not depend on the engine).
public struct DemoRandom {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    public mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// The composed demo screen: every widget at once, live. Layers table with
/// sparsity gauges, a weight histogram with +-t and the pruned region, the
/// threshold slider, a heatmap of the selected layer with its mask, a loss /
/// accuracy chart with prune markers, per-layer bars, key hints, help,
/// a typed-value prompt and messages.
public struct DemoApp: TerminalApp {
    public typealias Message = DemoMessage

    public var layers: [DemoLayer]
    public var table = TableState()
    public var sliders: [SliderState]
    public var focus = FocusRing(count: 4, index: 1)
    public var logScale = false
    public var shadeInside = true
    public var aggregation: Heatmap.Aggregation = .maxAbs
    public var showHelp = false
    public var help = HelpState()
    public var prompt: PromptState?
    public var toasts = Toasts()
    public var themes: [Theme]
    public var themeIndex = 0
    public var loss: [(x: Double, y: Double)]
    public var accuracy: [(x: Double, y: Double)]
    public var events: [LineChart.Marker]
    public var training = false
    /// Posts messages to the UI thread (from `Mailbox.post`); nil = no background work.
    public var post: (@Sendable (DemoMessage) -> Void)?
    /// When set, "!" stops the program with a fatal error: lets tests check
    /// that the terminal is restored after a crash.
    public var crashOnBang = false
    /// When set, "z" keeps the UI thread computing for 60 s without reading
    /// keys: lets tests check that q, Ctrl-C and signals still end a stuck program.
    public var stallOnZ = false
    /// Areas of the last frame, for the mouse.
    var areas = DemoAreas()

    struct DemoAreas {
        var screen = Rect.zero, table = Rect.zero, histogram = Rect.zero, slider = Rect.zero, heatmap = Rect.zero, chart = Rect.zero
    }

    public var minimumSize: Size { Size(width: 60, height: 20) }
    public var theme: Theme { themes[themeIndex] }

    /// - Parameters:
    ///   - themes: themes `c` cycles through (the first is used at start).
    ///   - post: where background work posts (`Mailbox.post`).
    public init(themes: [Theme] = [.builtinDefault], post: (@Sendable (DemoMessage) -> Void)? = nil) {
        layers = [
            DemoLayer(name: "fc1", rows: 100, columns: 196, seed: 1),
            DemoLayer(name: "fc2", rows: 50, columns: 100, seed: 2),
            DemoLayer(name: "fc3", rows: 10, columns: 50, seed: 3),
        ]
        sliders = layers.map { l in
            SliderState(value: l.maxAbs * 0.08, range: 0...l.maxAbs, coarseStep: l.maxAbs / 50, fineStep: l.maxAbs / 500)
        }
        self.themes = themes.isEmpty ? [.builtinDefault] : themes
        self.post = post
        var loss: [(x: Double, y: Double)] = [], acc: [(x: Double, y: Double)] = []
        for s in 0...60 {
            let x = Double(s)
            let bump = s >= 30 ? 0.35 * exp(-Double(s - 30) / 5) : 0
            loss.append((x, 2.3 * exp(-x / 9) + 0.12 + bump))
            acc.append((x, min(0.98, 1 - 0.9 * exp(-x / 7) - bump * 0.4)))
        }
        self.loss = loss
        accuracy = acc
        events = [LineChart.Marker(x: 30, label: "pruned 50%")]
    }

    var selectedLayer: Int { min(table.selected, layers.count - 1) }
    var threshold: Double { sliders[selectedLayer].value }

    // MARK: Rendering

    public mutating func render(into buffer: inout CellBuffer, context: DrawContext) {
        let full = buffer.bounds
        areas.screen = full
        let rows = Layout.split(full, .vertical, [.fixed(1), .fill(1), .fixed(1)])
        renderHeader(into: &buffer, area: rows[0], context: context)
        let cols = Layout.split(rows[1], .horizontal, [.percentage(32), .fill(1)])
        let left = Layout.split(cols[0], .vertical, [.fill(1), .fixed(layers.count + 2)])
        let right = Layout.split(cols[1], .vertical, [.percentage(50), .fill(1)])
        let bottom = Layout.split(right[1], .horizontal, [.fill(1), .fill(1)])

        // Layers table.
        let tableInner = Block(title: "Layers", focused: focus.isFocused(0)).render(into: &buffer, area: left[0], context: context)
        areas.table = tableInner
        let tableRows: [[TableCell]] = layers.enumerated().map { i, l in
            let s = l.sparsity(threshold: sliders[i].value)
            return [.text(l.name), .text("\(l.rows)x\(l.columns)"), .gauge(s), .text(Text.percent(s))]
        }
        let total = layers.reduce(0) { $0 + $1.weights.count }
        let pruned = layers.enumerated().reduce(0.0) {
            $0 + $1.element.sparsity(threshold: sliders[$1.offset].value) * Double($1.element.weights.count)
        }
        let totalS = total > 0 ? pruned / Double(total) : 0
        // The shape column only when there is room for it next to the bar.
        let wide = tableInner.width >= 34
        let columns =
            [TableColumn("layer", width: .fixed(5))] + (wide ? [TableColumn("shape", width: .fixed(7))] : [])
            + [TableColumn("sparsity", width: .fill(1)), TableColumn("", width: .fixed(6), alignRight: true)]
        let rowsShown = tableRows.map { wide ? $0 : [$0[0], $0[2], $0[3]] }
        let footer: [TableCell] =
            wide
            ? [.text("total"), .text(Text.compact(Double(total))), .gauge(totalS), .text(Text.percent(totalS))]
            : [.text("total"), .gauge(totalS), .text(Text.percent(totalS))]
        let tbl = Table(columns: columns, rows: rowsShown, state: table, footer: [footer])
        table = tbl.render(into: &buffer, area: tableInner, context: context)

        // Per-layer bars.
        let barsInner = Block(title: "Sparsity by layer").render(into: &buffer, area: left[1], context: context)
        BarChart(
            bars: layers.enumerated().map { i, l in
                let s = l.sparsity(threshold: sliders[i].value)
                return BarChart.Bar(label: l.name, fraction: s, valueText: Text.percent(s))
            }, selected: selectedLayer
        ).render(into: &buffer, area: barsInner, context: context)

        // Histogram and slider.
        let layer = layers[selectedLayer]
        let t = threshold
        let histTitle = "\(layer.name) weights"
        let histInner = Block(title: histTitle, rightTitle: logScale ? "[log]" : "[linear]", focused: focus.isFocused(1))
            .render(into: &buffer, area: right[0], context: context)
        let hs = Layout.split(histInner, .vertical, [.fill(1), .fixed(1), .fixed(1)])
        areas.histogram = hs[0]
        Histogram(
            counts: layer.histogram.counts, range: layer.histogram.range, scale: logScale ? .log : .linear,
            thresholds: [-t, t], shading: shadeInside ? .inside : .outside
        ).render(into: &buffer, area: hs[0], context: context)
        let s = layer.sparsity(threshold: t)
        let what = shadeInside ? "pruned: |w| < \(Text.compact(t))" : "shaded: |w| > \(Text.compact(t))"
        buffer.write(
            Text.truncate(what + "  " + Text.percent(s) + " of \(layer.name)", to: hs[1].width, ellipsis: context.glyphs.ellipsis),
            x: hs[1].x, y: hs[1].y, style: context.muted)
        let readout = Text.fixed(t, 4)
        areas.slider = Slider.layout(area: hs[2], label: "threshold", readout: readout).track
        Slider(label: "threshold", state: sliders[selectedLayer], readout: readout, focused: focus.isFocused(1))
            .render(into: &buffer, area: hs[2], context: context)

        // Heatmap.
        let mask = layer.weights.map { abs(Double($0)) < t ? Float(0) : Float(1) }
        let heat = Heatmap(values: layer.weights, rows: layer.rows, columns: layer.columns, mask: mask, aggregation: aggregation)
        let hb = Block(title: "\(layer.name) weights & mask", focused: focus.isFocused(2)).render(
            into: &buffer, area: bottom[0], context: context)
        let heatParts = Layout.split(hb, .vertical, [.fixed(1), .fill(1)])
        let caption = heat.caption(for: heatParts[1].size, context: context)
        buffer.write(Text.truncate(caption, to: hb.width, ellipsis: context.glyphs.ellipsis), x: hb.x, y: hb.y, style: context.muted)
        areas.heatmap = heatParts[1]
        heat.render(into: &buffer, area: heatParts[1], context: context)

        // Chart.
        let chartInner = Block(title: "loss / accuracy", rightTitle: training ? "training" : "", focused: focus.isFocused(3))
            .render(into: &buffer, area: bottom[1], context: context)
        areas.chart = chartInner
        LineChart(
            series: [LineChart.Series(name: "loss", points: loss), LineChart.Series(name: "acc", points: accuracy)],
            markers: events, yRange: 0...2.5
        ).render(into: &buffer, area: chartInner, context: context)

        // Messages share the bottom line with the key hints, on its right.
        let hintRow = toasts.renderLine(into: &buffer, row: rows[2], context: context, maxWidth: rows[2].width * 3 / 5)
        KeyHintBar([
            ("?", "help"), ("←→", "threshold"), ("↑↓", "layer"), ("Tab", "focus"), ("t", "type value"),
            ("s", "log"), ("m", "heatmap"), ("r", "retrain"), ("c", "theme"), ("q", "quit"),
        ])
        .render(into: &buffer, area: hintRow, context: context)
        if showHelp { DemoApp.helpOverlay.render(into: &buffer, area: full, context: context, state: help) }
        if let p = prompt { Prompt(state: p).render(into: &buffer, area: full, context: context) }
    }

    private func renderHeader(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        buffer.fill(area, " ", context.base)
        let left = " PruneTUI demo · \(theme.name) theme · \(context.capability) colours"
        let l = buffer.write(
            Text.truncate(left, to: area.width, ellipsis: context.glyphs.ellipsis), x: area.x, y: area.y, style: context.title)
        let layer = layers[selectedLayer]
        let right = "\(layer.name) sparsity \(Text.percent(layer.sparsity(threshold: threshold))) "
        let w = CellBuffer.columns(of: right)
        if l + w + 1 <= area.width { buffer.write(right, x: area.maxX - w, y: area.y, style: context.base.adding(.bold)) }
    }

    static let helpOverlay = HelpOverlay(
        title: "Help",
        sections: [
            HelpOverlay.Section(
                "Threshold",
                [
                    ("← →  h l", "coarse step"), ("⇧← ⇧→  < >", "fine step"), ("Home End", "ends of the range"),
                    ("t", "type a threshold"), ("mouse", "drag the slider"),
                ]),
            HelpOverlay.Section(
                "View",
                [
                    ("↑ ↓  j k", "select layer"), ("Tab ⇧Tab", "move focus"), ("s", "linear / log counts"),
                    ("o", "shade inside / outside ±t"), ("m", "heatmap: max |w| / fraction pruned"), ("c", "next theme"),
                ]),
            HelpOverlay.Section("Other", [("r", "simulate retraining in the background"), ("?", "this help"), ("q  Ctrl-C", "quit")]),
        ])

    // MARK: Events

    public mutating func handle(_ event: AppEvent<DemoMessage>, context: DrawContext) -> AppAction {
        switch event {
        case .key(let key): return handleKey(key, context: context)
        case .mouse(let m): handleMouse(m); return .continue
        case .resize: return .continue
        case .interrupt: return .quit
        case .message(let m):
            switch m {
            case .trainingStep(let i, let l):
                let x = Double(61 + i)
                loss.append((x, l))
                accuracy.append((x, min(0.99, (accuracy.last?.y ?? 0.9) + 0.002)))
            case .trainingDone:
                training = false
                toasts.post("retraining finished", now: context.now)
            }
            return .continue
        }
    }

    private mutating func handleKey(_ key: Key, context: DrawContext) -> AppAction {
        if var p = prompt {
            switch p.handle(key) {
            case .editing: prompt = p
            case .cancelled: prompt = nil
            case .submitted(let text):
                if let v = Double(text.trimmingCharacters(in: .whitespaces)), v >= 0 {
                    sliders[selectedLayer].set(v)
                    prompt = nil
                    toasts.post("threshold set to \(Text.compact(sliders[selectedLayer].value))", now: context.now)
                } else {
                    p.error = "\"\(text)\" is not a non-negative number"
                    prompt = p
                }
            }
            return .continue
        }
        if showHelp {
            if key == .escape || key == .char("?") || key == .char("q") { showHelp = false }
            _ = help.handle(key, help: DemoApp.helpOverlay, area: areas.screen)
            return .continue
        }
        if focus.handle(key) { return .continue }
        if sliders[selectedLayer].handle(key) { return .continue }
        if table.handle(key, rowCount: layers.count, pageSize: 5) { return .continue }
        switch key {
        case .char("q"), .ctrl("c"): return .quit
        case .char("?"): showHelp = true; help = HelpState()
        case .char("s"): logScale.toggle()
        case .char("o"): shadeInside.toggle()
        case .char("m"): aggregation = aggregation == .maxAbs ? .fractionPruned : .maxAbs
        case .char("c"):
            themeIndex = (themeIndex + 1) % themes.count
            toasts.post("theme: \(themes[themeIndex].name)", now: context.now)
        case .char("t"):
            prompt = PromptState(
                title: "Threshold for \(layers[selectedLayer].name)", label: "|w| <",
                text: Text.fixed(threshold, 4))
        case .char("r"): startTraining(context: context)
        case .char("!") where crashOnBang: fatalError("demo crash requested with \"!\" (--crash-key)")
        case .char("z") where stallOnZ: DemoApp.stall(seconds: 60)
        default: break
        }
        return .continue
    }

    /// Busy work on the calling thread for `seconds` (a stand-in for a slow computation).
    static func stall(seconds: Double) {
        let clock = MonotonicTime()
        while clock.now() < seconds {}
    }

    /// q is text while a prompt is open.
    public var quitsOnQ: Bool { prompt == nil }

    private mutating func startTraining(context: DrawContext) {
        guard !training, let post else {
            toasts.post(training ? "already retraining" : "no background worker", level: .warning, now: context.now)
            return
        }
        training = true
        let start = loss.last?.y ?? 0.3
        let thread = Thread {
            for i in 0..<40 {
                Thread.sleep(forTimeInterval: 0.05)
                post(.trainingStep(i, 0.1 + (start - 0.1) * exp(-Double(i) / 8)))
            }
            post(.trainingDone)
        }
        thread.start()
        toasts.post("retraining in the background", now: context.now)
    }

    private mutating func handleMouse(_ m: MouseEvent) {
        if showHelp { _ = help.handle(m, help: DemoApp.helpOverlay, area: areas.screen); return }
        if sliders[selectedLayer].handle(m, track: areas.slider) { focus.focus(1); return }
        if m.kind == .press || m.kind == .click {
            focus.focus(at: m.position, panes: [areas.table, areas.histogram, areas.heatmap, areas.chart])
        }
        _ = table.handle(m, area: areas.table, rowCount: layers.count)
    }

    public mutating func tick(now: Double) -> Bool { toasts.expire(now: now) }
}
