import PruneKit
import PruneTUI

/// What every figure on the explorer's screens means, with the current
/// numbers where there are some (`G`, and the lesson list's last entry).
extension ExplorerModel {
    /// The glossary as (heading, paragraphs) sections.
    func glossary() -> [(heading: String, paragraphs: [String])] {
        let m = session.metrics
        let c = Text.compact
        let mac =
            "MACs vs FLOPs: a MAC (multiply-accumulate, y += w x x) is one weight used once; a FLOP is one floating-point operation, so one MAC = 2 FLOPs. Per sample this model needs \(c(Double(m.denseMACs))) MACs = \(c(Double(m.denseFLOPs))) FLOPs with every weight dense, and \(c(Double(m.remainingMACs))) MACs = \(c(Double(m.remainingFLOPs))) FLOPs counting only nonzero weights (Dense and Conv2D layers; biases and activations are left out)."
        let speed =
            "FLOPs speed-up (theoretical) = dense FLOPs / remaining FLOPs = \(ExplorerModel.ratio(m.theoreticalSpeedup)) now: what a kernel that skipped every zero for free would gain. Real kernels do not: see measured."
        var measured =
            "measured batch N: the model's real forward pass timed with the Dense layers in the formats that made the whole pass fastest (each layer's fastest alone, one format throughout, or dense when nothing beats it), against the plain dense pass (BLAS). \"1.8x ±0.1, 20 runs\" is the median of 20 per-run ratios and its spread. In brackets, the formats chosen: dense (the full matrix, zeros and all, one BLAS multiply), csr (compressed sparse rows: each nonzero stored with its column index, plus where each row starts; it skips zeros but reads an index per value, so it wins only at high sparsity), smaller-dense (the matrix without its all-zero rows and columns, after neuron pruning), 2:4 and block-1x8. \"csr+dense\" means some layers chose each. The lines under it are per layer: format, speed-up, @batch."
        if let t = inference.value?.last {
            measured += " Now, batch \(t.batch): \(t.total.summary) (\(t.formatSummary))."
        }
        let sparsity = [
            "zeros of prunable = zeros / elements of the prunable weights (Dense and Conv2D weights): \(Format.percent(m.prunableSparsity)) now. zeros of all params counts biases too: \(Format.percent(m.parameterSparsity)).",
            "compression = all parameters / nonzero parameters (Blalock et al.): \(ExplorerModel.ratio(m.compressionRatio)) now. It is what storing only the nonzeros would save, before the cost of their indices.",
            "In the layer list a * marks a preview: what Enter would apply. The header's \"start\" is step 0's validation accuracy; \"preview\" is the preview's, computed in the background.",
        ]
        let chart = [
            "train loss / val acc: the x axis counts training mini-batches across the whole history up to the current step. The loss line is the training loss of every batch of each retrain (or per epoch for steps loaded from a file); val acc is the validation accuracy after each step.",
            "Markers on the chart (a vertical line with a label such as 90%) stand at each prune or gradual step, labelled with the zeros of prunable weights after it. A prune trains nothing, so it takes a small gap of its own on the axis; the accuracy drop at a marker is what the cut cost, the climb after it what retraining won back.",
        ]
        let views = [
            "Histogram: the selected layer's unpruned weights counted by value (L: log counts); the shaded band is what the preview prunes, the readout the threshold |w| < t or the target sparsity.",
            "Heatmap: the weight matrix downsampled to the pane, pruned weights dark (a cycles weights, fraction pruned, per input pixel, changes in this step).",
            "Frontier (4): every recorded step, undone ones too, as validation accuracy against zeros of prunable weights. The frontier line joins the steps no other step beats on both. The start line is flat at step 0's accuracy (the dense model): a step on it lost nothing, the distance below it is the price of that sparsity.",
            "Sensitivity (3): each layer pruned alone at several sparsities, the others untouched, and the accuracy that leaves: flat curves mark layers that can go far.",
        ]
        return [
            ("Sparsity and size", sparsity), ("Speed: MACs, FLOPs and measured", [mac, speed, measured]),
            ("The loss / accuracy chart", chart), ("The other views", views),
        ]
    }

    /// The glossary as panel lines `width` wide.
    func glossaryLines(width: Int) -> [LessonLine] {
        var out = [LessonLine]()
        for (heading, paragraphs) in glossary() {
            out.append(LessonLine(text: heading, kind: .heading))
            for p in paragraphs {
                out += Text.wrap(p, width: max(1, width)).map { LessonLine(text: $0, kind: .text) }
            }
        }
        return out
    }
}
