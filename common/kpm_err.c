#include "kpm_err.h"

const char *kpm_strerror(int code)
{
    switch (code) {
#define KPM_ERR_CASE(name, value, text)                                                            \
    case value:                                                                                    \
        return text;
        KPM_ERR_MAP(KPM_ERR_CASE)
#undef KPM_ERR_CASE
    }
    return "unknown error";
}
