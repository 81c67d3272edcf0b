import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";

export type BrandOut = Schemas["BrandOut"];
export type Theme = Schemas["Theme"];

export function useBrands() {
  const { api, data } = useApi();
  return useQuery({ queryKey: ["brands", "list"], queryFn: () => data(api.GET("/api/v1/admin/brands", { params: { query: { limit: 200 } } })) });
}

export function useSaveBrand() {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ brandId, body }: { brandId?: string; body: Schemas["BrandCreate"] | Schemas["BrandUpdate"] }) =>
      brandId
        ? data(api.PATCH("/api/v1/admin/brands/{brand_id}", { params: { path: { brand_id: brandId } }, body: body as Schemas["BrandUpdate"] }))
        : data(api.POST("/api/v1/admin/brands", { body: body as Schemas["BrandCreate"] })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["brands"] }),
  });
}

export function useStartLogoUpload() {
  const { api, data } = useApi();
  return useMutation({
    mutationFn: (brandId: string) => data(api.POST("/api/v1/admin/brands/{brand_id}/logo", { params: { path: { brand_id: brandId } } })),
  });
}
