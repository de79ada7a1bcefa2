import CFFTW

/// The one FFTW plan for Whisper's 400-point real FFT, shared by every stream.
///
/// FFTW's planner is not thread-safe but executing a plan on new arrays is;
/// a global `let` is initialized exactly once, so the plan is made once and
/// then used concurrently through `fftwf_execute_dft_r2c`. `FFTW_UNALIGNED`
/// lets callers pass any buffers. Unchecked Sendable for that reason: the
/// plan is an FFTW pointer that FFTW, not Swift, makes safe to share.
final class RealFFT: @unchecked Sendable {
    static let whisper = RealFFT(size: AudioConstants.fftSize)

    let size: Int
    private let plan: fftwf_plan

    private init(size: Int) {
        self.size = size
        let input = fftwf_alloc_real(size)!
        let output = fftwf_alloc_complex(size / 2 + 1)!
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        plan = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE | FFTW_UNALIGNED))!
    }

    deinit { fftwf_destroy_plan(plan) }

    /// Transforms `size` real samples into `size / 2 + 1` complex bins,
    /// stored as interleaved (re, im) float pairs.
    func forward(_ input: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        output.withMemoryRebound(to: fftwf_complex.self, capacity: size / 2 + 1) {
            fftwf_execute_dft_r2c(plan, input, $0)
        }
    }
}
