import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";

export type UserOut = Schemas["UserOut"];

export function useUsers(role: string, status: string, cursor: string | null) {
  const { api, call } = useApi();
  return useQuery({
    queryKey: ["users", role, status, cursor],
    queryFn: () =>
      call(
        api.GET("/api/v1/admin/users", {
          params: { query: { limit: 100, ...(role ? { role: role as UserOut["role"] } : {}), ...(status ? { status: status as UserOut["status"] } : {}), ...(cursor ? { cursor } : {}) } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
}

export function useInviteUser() {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["UserInvite"]) => data(api.POST("/api/v1/admin/users", { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["users"] }),
  });
}

export function useUpdateUser() {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, body }: { userId: string; body: Schemas["UserUpdate"] }) => data(api.PATCH("/api/v1/admin/users/{user_id}", { params: { path: { user_id: userId } }, body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["users"] }),
  });
}
