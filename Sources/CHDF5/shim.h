// libhdf5 exposes its type and property constants as macros that expand to function calls
// (`H5T_NATIVE_FLOAT` is `(H5open(), H5T_NATIVE_FLOAT_g)`), which Swift cannot import, and Swift 6
// rejects the mutable globals behind them. These inline functions give Swift a safe way in.
#include <hdf5.h>
#include <hdf5_hl.h>

static inline hid_t zoo_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t zoo_h5s_all(void) { return H5S_ALL; }
static inline hid_t zoo_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned zoo_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned zoo_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t zoo_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t zoo_h5t_native_ushort(void) { return H5T_NATIVE_USHORT; }
static inline hid_t zoo_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t zoo_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t zoo_h5t_variable(void) { return H5T_VARIABLE; }
static inline unsigned zoo_h5lt_image_read_only_no_copy(void) {
    return H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE;
}

// Silence libhdf5's own error-stack printing: Zoo reports errors itself, naming file and place.
static inline void zoo_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
