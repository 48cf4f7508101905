// The non-fused floor of a margin-softmax training step, for gpu/check.sh: the three GEMM-shaped products of an
// unfused implementation timed with cuBLAS SGEMM (FP32, no tensor cores: CUBLAS_DEFAULT_MATH), plus the element-wise
// passes over the B x C logits it cannot avoid, timed as one read-and-write pass of B x C floats each.
//   logits  = X^ W^T        (B x C, K = D)
//   dX^     = dLogits W^    (B x D, K = C)
//   dW^     = dLogits^T X^  (C x D, K = B)
// usage: sgemm_floor B D C [REPEATS]; prints one CSV row (header with --header).
// Built by check.sh on the GPU machine with nvcc, linked against libcublas; declares the four cuBLAS entry points it
// uses itself (cuBLAS v2 ABI), so it compiles without the cuBLAS headers. Not run on hardware by its author.
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

extern "C" {
typedef struct cublasContext* cublasHandle_t;
int cublasCreate_v2(cublasHandle_t* handle);
int cublasDestroy_v2(cublasHandle_t handle);
// cublasOperation_t: 0 = N, 1 = T
int cublasSgemm_v2(cublasHandle_t handle, int transa, int transb, int m, int n, int k, const float* alpha,
        const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc);
}

#define CHECK_CUDA(call) do { cudaError_t e = (call); if (e != cudaSuccess) { \
    std::fprintf(stderr, "%s failed: %s\n", #call, cudaGetErrorString(e)); std::exit(2); } } while (0)
#define CHECK_BLAS(call) do { int s = (call); if (s != 0) { \
    std::fprintf(stderr, "%s failed: cublasStatus %d\n", #call, s); std::exit(2); } } while (0)

// one read and one write of every logit: the least an unfused softmax forward or backward pass moves
__global__ void elementwise_pass(const float* in, float* out, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        out[i] = __expf(in[i] - 1.0f);
    }
}

int main(int argc, char** argv) {
    if (argc >= 2 && argv[1][0] == '-') {
        std::printf("batch,dim,classes,gemm_logits_ms,gemm_dx_ms,gemm_dw_ms,elementwise_pass_ms,"
                "floor_ms_3gemm_2passes,gemm_tflops\n");
        return 0;
    }
    if (argc < 4) {
        std::fprintf(stderr, "usage: sgemm_floor B D C [REPEATS] | --header\n");
        return 64;
    }
    const int B = std::atoi(argv[1]);
    const int D = std::atoi(argv[2]);
    const int C = std::atoi(argv[3]);
    const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
    float *x, *w, *logits, *grad, *dx, *dw;
    CHECK_CUDA(cudaMalloc(&x, sizeof(float) * B * D));
    CHECK_CUDA(cudaMalloc(&w, sizeof(float) * (size_t) C * D));
    CHECK_CUDA(cudaMalloc(&logits, sizeof(float) * (size_t) B * C));
    CHECK_CUDA(cudaMalloc(&grad, sizeof(float) * (size_t) B * C));
    CHECK_CUDA(cudaMalloc(&dx, sizeof(float) * B * D));
    CHECK_CUDA(cudaMalloc(&dw, sizeof(float) * (size_t) C * D));
    CHECK_CUDA(cudaMemset(x, 0, sizeof(float) * B * D));
    CHECK_CUDA(cudaMemset(w, 0, sizeof(float) * (size_t) C * D));
    CHECK_CUDA(cudaMemset(grad, 0, sizeof(float) * (size_t) B * C));
    cublasHandle_t h;
    CHECK_BLAS(cublasCreate_v2(&h));
    const float one = 1.0f, zero = 0.0f;
    cudaEvent_t start, stop;
    CHECK_CUDA(cudaEventCreate(&start));
    CHECK_CUDA(cudaEventCreate(&stop));
    double ms[4] = {1e30, 1e30, 1e30, 1e30};
    // row-major X (B x D), W (C x D), logits (B x C) are column-major X^T, W^T, logits^T for cuBLAS
    for (int rep = 0; rep <= repeats; rep++) {
        for (int op = 0; op < 4; op++) {
            CHECK_CUDA(cudaEventRecord(start));
            if (op == 0) {        // logits^T (C x B) = W (C x D) X^T (D x B)
                CHECK_BLAS(cublasSgemm_v2(h, 1, 0, C, B, D, &one, w, D, x, D, &zero, logits, C));
            } else if (op == 1) { // dX^T (D x B) = W^T (D x C) dLogits^T (C x B)
                CHECK_BLAS(cublasSgemm_v2(h, 0, 0, D, B, C, &one, w, D, grad, C, &zero, dx, D));
            } else if (op == 2) { // dW^T (D x C) = X^T (D x B) dLogits (B x C)
                CHECK_BLAS(cublasSgemm_v2(h, 0, 1, D, C, B, &one, x, D, grad, C, &zero, dw, D));
            } else {
                elementwise_pass<<<4 * 132, 256>>>(logits, grad, (long) B * C);
            }
            CHECK_CUDA(cudaEventRecord(stop));
            CHECK_CUDA(cudaEventSynchronize(stop));
            float t;
            CHECK_CUDA(cudaEventElapsedTime(&t, start, stop));
            if (rep > 0 && t < ms[op]) {
                ms[op] = t;  // rep 0 warms up; the floor takes the fastest of the rest
            }
        }
    }
    const double gemm = ms[0] + ms[1] + ms[2];
    std::printf("%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.1f\n", B, D, C, ms[0], ms[1], ms[2], ms[3], gemm + 2 * ms[3],
            6.0 * B * (double) C * D / (gemm * 1e9));
    cublasDestroy_v2(h);
    return 0;
}
