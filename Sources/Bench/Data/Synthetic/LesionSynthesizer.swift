import Foundation

/// Draws dermoscopy-like RGB images: skin of a random tone under a dark circular vignette, with
/// one lesion. Melanoma lesions have an irregular border (several random harmonics) and several
/// colours (dark brown, black, blue-grey, red) in patches; other lesions are near-elliptical and
/// evenly brown. Sizes overlap, so colour and border, not size, carry the class.
struct LesionSynthesizer {
    let width: Int
    let height: Int

    /// RGB 0...255 samples, interleaved, row-major.
    func draw(melanoma: Bool, using generator: inout SeededGenerator) -> [UInt8] {
        let w = Double(width), h = Double(height)
        let skin = [generator.uniform(200, 235), generator.uniform(145, 185), generator.uniform(120, 160)]
        let centre = (x: w / 2 + generator.uniform(-0.1, 0.1) * w, y: h / 2 + generator.uniform(-0.1, 0.1) * h)
        let radius = min(w, h) * generator.uniform(0.16, 0.26)
        let harmonics: [(order: Double, amplitude: Double, phase: Double)] = (2...7).map { order in
            (Double(order), melanoma ? generator.uniform(0.03, 0.14) : generator.uniform(0, 0.02), generator.uniform(0, 2 * .pi))
        }
        let brown = [generator.uniform(130, 165), generator.uniform(85, 110), generator.uniform(55, 75)]
        let palette: [[Double]] = melanoma
            ? [[85, 50, 32], [28, 20, 22], [95, 105, 128], [165, 70, 68], brown]
            : [brown]
        let patches = (0..<(melanoma ? 6 : 1)).map { index in
            (x: centre.x + radius * generator.uniform(-0.7, 0.7), y: centre.y + radius * generator.uniform(-0.7, 0.7),
             colour: palette[index % palette.count])
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for row in 0..<height {
            let y = Double(row)
            for column in 0..<width {
                let x = Double(column)
                let vignette = max(0, 1 - pow(hypot(x - w / 2, y - h / 2) / (0.62 * hypot(w, h)), 4))
                var colour = skin.map { $0 * vignette }
                let angle = atan2(y - centre.y, x - centre.x)
                let border = radius * harmonics.reduce(1) { $0 + $1.amplitude * sin($1.order * angle + $1.phase) }
                let inside = hypot(x - centre.x, y - centre.y) / border
                if inside < 1.08 {
                    let lesion = blend(patches, x: x, y: y)
                    let cover = min(1, max(0, (1.08 - inside) / 0.08))  // a soft edge
                    colour = zip(colour, lesion).map { $0 * (1 - cover) + $1 * cover }
                }
                let noise = generator.uniform(-5, 5)
                for channel in 0..<3 {
                    pixels[(row * width + column) * 3 + channel] = UInt8(min(max(colour[channel] + noise, 0), 255))
                }
            }
        }
        return pixels
    }

    /// Inverse-square-distance mix of the patch colours: smooth regions of each colour.
    private func blend(_ patches: [(x: Double, y: Double, colour: [Double])], x: Double, y: Double) -> [Double] {
        var total = 0.0, mixed = [0.0, 0.0, 0.0]
        for patch in patches {
            let weight = 1 / (pow(x - patch.x, 2) + pow(y - patch.y, 2) + 25)
            total += weight
            for channel in 0..<3 { mixed[channel] += weight * patch.colour[channel] }
        }
        return mixed.map { $0 / total }
    }
}
