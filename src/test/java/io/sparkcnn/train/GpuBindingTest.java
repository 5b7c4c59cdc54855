package io.sparkcnn.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark GPU address to CUDA device ordinal, with and without device isolation; binding on the CPU backend. */
class GpuBindingTest {
    @Test
    void withoutIsolationTheAddressIsTheOrdinal() {
        assertEquals(0, GpuBinding.ordinal("0", null));
        assertEquals(3, GpuBinding.ordinal("3", ""));
        assertEquals(1, GpuBinding.ordinal(" 1 ", "  "));
    }

    @Test
    void withCudaVisibleDevicesTheAddressMapsToItsPositionInTheList() {
        assertEquals(0, GpuBinding.ordinal("2", "2,3"));
        assertEquals(1, GpuBinding.ordinal("3", "2, 3"));
        assertEquals(0, GpuBinding.ordinal("GPU-5f1c", "GPU-5f1c,GPU-77aa"), "UUIDs as CUDA accepts them");
    }

    @Test
    void aDiscoveryScriptInsideTheIsolationAlreadyReportsOrdinals() {
        assertEquals(1, GpuBinding.ordinal("1", "6,7"));
    }

    @Test
    void aDeviceTheProcessCannotSeeIsAnErrorNamingIt() {
        IllegalArgumentException hidden = assertThrows(IllegalArgumentException.class,
                () -> GpuBinding.ordinal("5", "2,3"));
        assertTrue(hidden.getMessage().contains("GPU 5") && hidden.getMessage().contains("CUDA_VISIBLE_DEVICES=2,3"),
                hidden.getMessage());
        IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class,
                () -> GpuBinding.ordinal("gpu-a", null));
        assertTrue(notANumber.getMessage().contains("\"gpu-a\""), notANumber.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GpuBinding.ordinal("-1", null));
    }

    @Test
    void onTheCpuBackendBindingIsANoOpThatRecordsTheAddress() {
        assertEquals("cpu (spark gpu 1)", GpuBinding.bind(List.of("1")));
        assertEquals("cpu", GpuBinding.bind(List.of()));
    }
}
