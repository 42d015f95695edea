/// The named colours a theme file sets, as `theme[name]="#RRGGBB"`.
public enum ThemeKey: Int, CaseIterable, Sendable {
    case background, foreground, muted, title, border, borderFocused
    case selectionBackground, selectionForeground, hintKey, hintText
    case histogramBar, histogramPruned, threshold
    case sliderFill, sliderEmpty, sliderKnob
    case heatNegative, heatZero, heatPositive, heatMasked
    case sequential0, sequential1, sequential2, sequential3, sequential4
    case series1, series2, series3, series4, eventMarker
    case gaugeFill, gaugeEmpty, info, warning, error, overlayBackground

    /// The key as written in theme files.
    public var name: String {
        switch self {
        case .background: "main_bg"
        case .foreground: "main_fg"
        case .muted: "muted"
        case .title: "title"
        case .border: "border"
        case .borderFocused: "border_focus"
        case .selectionBackground: "selected_bg"
        case .selectionForeground: "selected_fg"
        case .hintKey: "hint_key"
        case .hintText: "hint_text"
        case .histogramBar: "hist_bar"
        case .histogramPruned: "hist_pruned"
        case .threshold: "threshold"
        case .sliderFill: "slider_fill"
        case .sliderEmpty: "slider_empty"
        case .sliderKnob: "slider_knob"
        case .heatNegative: "heat_negative"
        case .heatZero: "heat_zero"
        case .heatPositive: "heat_positive"
        case .heatMasked: "heat_masked"
        case .sequential0: "seq_0"
        case .sequential1: "seq_1"
        case .sequential2: "seq_2"
        case .sequential3: "seq_3"
        case .sequential4: "seq_4"
        case .series1: "series_1"
        case .series2: "series_2"
        case .series3: "series_3"
        case .series4: "series_4"
        case .eventMarker: "event_marker"
        case .gaugeFill: "gauge_fill"
        case .gaugeEmpty: "gauge_empty"
        case .info: "msg_info"
        case .warning: "msg_warning"
        case .error: "msg_error"
        case .overlayBackground: "overlay_bg"
        }
    }

    static let byName: [String: ThemeKey] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// Sequential (viridis-like) stops, low to high.
    public static let sequential: [ThemeKey] = [.sequential0, .sequential1, .sequential2, .sequential3, .sequential4]
    /// Colours for chart series, in order.
    public static let series: [ThemeKey] = [.series1, .series2, .series3, .series4]
}
