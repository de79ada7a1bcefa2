#include <dnnl.h>

/* Function-like and pointer-valued macros do not import into Swift. */
static inline void *am_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
static inline int am_dnnl_post_op_argument(int index) { return DNNL_ARG_ATTR_MULTIPLE_POST_OP(index); }
static inline float am_dnnl_runtime_f32(void) { return DNNL_RUNTIME_F32_VAL; }
